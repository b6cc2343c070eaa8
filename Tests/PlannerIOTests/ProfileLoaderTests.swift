import Foundation
import XCTest
@testable import PlannerIO
import PlannerCore

final class ProfileLoaderTests: XCTestCase {
    /// NPZ written by np.savez (stored).
    let h200 = IOTest.path("data/profiles/h200_llama8b_tp1")
    /// NPZ written by np.savez_compressed (deflated).
    let h100 = IOTest.path("Tests/Fixtures/profiles/h100_qwen32b_tp2")

    /// A copy of `source` keeping only the JSON files (or only the NPZ).
    func copy(_ source: String, keepNPZ: Bool, keepJSON: Bool) throws -> String {
        let dir = try IOTest.scratch(self) + "/profile"
        for phase in ["prefill", "decode"] {
            if keepNPZ {
                let npz = "selected_\(phase)_interpolation/raw_data.npz"
                try IOTest.write(IOTest.read(source + "/" + npz), to: dir + "/" + npz)
            }
            if keepJSON {
                try IOTest.write(IOTest.read(source + "/\(phase)_raw_data.json"), to: dir + "/\(phase)_raw_data.json")
            }
        }
        return dir
    }

    func testStoredAndCompressedNPZEqualTheirJSON() throws {
        for source in [h200, h100] {
            let fromNPZ = try ProfileLoader.load(directory: try copy(source, keepNPZ: true, keepJSON: false))
            let fromJSON = try ProfileLoader.load(directory: try copy(source, keepNPZ: false, keepJSON: true))
            XCTAssertEqual(fromNPZ, fromJSON, source)
            XCTAssertEqual(try ProfileLoader.load(directory: source), fromNPZ)
            XCTAssertGreaterThan(fromNPZ.prefill.isl.count, 3)
            XCTAssertEqual(fromNPZ.decode.kvUsage.count, fromNPZ.decode.itlMilliseconds.count)
        }
        let h200Profile = try ProfileLoader.load(directory: h200)
        XCTAssertEqual(h200Profile.prefill.isl.count, 16)
        XCTAssertEqual(h200Profile.decode.kvUsage[0], 0.00284375)
    }

    func testNPZIsPreferredOverJSON() throws {
        let dir = try copy(h200, keepNPZ: true, keepJSON: false)
        try IOTest.write("{ broken", to: dir + "/prefill_raw_data.json")
        XCTAssertNoThrow(try ProfileLoader.load(directory: dir))
    }

    func testMissingProfileNamesBothPathsAndProfiling() throws {
        let dir = try IOTest.scratch(self)
        let error = IOTest.ioError { try ProfileLoader.load(directory: dir) }
        let text = error?.description ?? ""
        XCTAssertTrue(text.contains(dir + "/selected_prefill_interpolation/raw_data.npz"), text)
        XCTAssertTrue(text.contains(dir + "/prefill_raw_data.json"), text)
        XCTAssertTrue(text.contains("pre-deployment profiling"), text)
    }

    /// Hand-built arrays: header versions 1–3 and all four dtypes read to the same doubles.
    func testNPYVersionsAndDtypes() throws {
        let expected: [Double] = [1, 2, 250, -7]
        let variants: [[UInt8]] = [
            NPYBuilder.npy(version: 1, descr: "<f8", shape: "(4,)", data: NPYBuilder.f8(expected)),
            NPYBuilder.npy(version: 2, descr: "<i8", shape: "(4,)", data: NPYBuilder.i8([1, 2, 250, -7])),
            NPYBuilder.npy(version: 3, descr: "<f4", shape: "(4,)", data: NPYBuilder.f4([1, 2, 250, -7])),
            NPYBuilder.npy(version: 2, descr: "<i4", shape: "(4,)", data: NPYBuilder.i4([1, 2, 250, -7])),
        ]
        for bytes in variants {
            XCTAssertEqual(try NPYArray.parse(bytes, name: "a", path: "p").values, expected)
        }
        XCTAssertEqual(try NPYArray.parse(NPYBuilder.npy(descr: "<f4", shape: "(1,)", data: NPYBuilder.f4([0.1])),
                                          name: "a", path: "p").values, [Double(Float(0.1))])
        let refusals: [([UInt8], String)] = [
            (NPYBuilder.npy(descr: ">f8", shape: "(1,)", data: NPYBuilder.f8([1])), "big-endian"),
            (NPYBuilder.npy(descr: "<u2", shape: "(1,)", data: [0, 0]), "dtype <u2 is not supported"),
            (NPYBuilder.npy(fortran: true, shape: "(1,)", data: NPYBuilder.f8([1])), "fortran_order"),
            (NPYBuilder.npy(shape: "(2, 2)", data: NPYBuilder.f8([1, 2, 3, 4])), "expected 1-D"),
            (NPYBuilder.npy(shape: "(3,)", data: NPYBuilder.f8([1, 2])), "needs 24"),
            (NPYBuilder.npy(shape: "(99999999999,)", data: []), "limit"),
            (NPYBuilder.npy(version: 4, shape: "(1,)", data: NPYBuilder.f8([1])), "version 4.0"),
        ]
        for (bytes, expected) in refusals {
            let error = IOTest.ioError { try NPYArray.parse(bytes, name: "z_itl", path: "p") }
            XCTAssertTrue(error?.message.contains("array z_itl") ?? false)
            XCTAssertTrue(error?.message.contains(expected) ?? false, "\(expected): \(String(describing: error))")
        }
    }

    /// A profile written entirely by hand (f4/i4 arrays, v2/v3 headers, deflated).
    func testHandBuiltNPZProfile() throws {
        let dir = try IOTest.scratch(self)
        func entry(_ name: String, _ bytes: [UInt8]) -> ZipBuilder.Entry { .init(name: name + ".npy", data: bytes, deflated: true) }
        let prefill = ZipBuilder.zip([
            entry("prefill_isl", NPYBuilder.npy(version: 2, descr: "<i4", shape: "(3,)", data: NPYBuilder.i4([100, 200, 400]))),
            entry("prefill_ttft", NPYBuilder.npy(version: 3, descr: "<f4", shape: "(3,)", data: NPYBuilder.f4([10, 20.5, 41]))),
            entry("prefill_thpt_per_gpu", NPYBuilder.npy(descr: "<f8", shape: "(3,)", data: NPYBuilder.f8([5e3, 6e3, 7e3]))),
        ])
        try IOTest.write(prefill, to: dir + "/selected_prefill_interpolation/raw_data.npz")
        try IOTest.write(#"{"x_kv_usage": [0.1, 0.5], "y_context_length": [100, 200], "z_itl": [5, 6], "z_thpt_per_gpu": [1e3, 2e3], "max_kv_tokens": 4096}"#,
                         to: dir + "/decode_raw_data.json")
        let profile = try ProfileLoader.load(directory: dir)
        XCTAssertEqual(profile.prefill, PrefillProfile(isl: [100, 200, 400], ttftMilliseconds: [10, 20.5, 41],
                                                       throughputPerGPU: [5e3, 6e3, 7e3]))
        XCTAssertEqual(profile.decode.maxKVTokens, 4096)
    }

    func testInvalidProfilesNameFileAndArray() throws {
        let dir = try IOTest.scratch(self)
        let prefillJSON = dir + "/prefill_raw_data.json"
        try IOTest.write(IOTest.read(h200 + "/decode_raw_data.json"), to: dir + "/decode_raw_data.json")
        let cases: [(String, String)] = [
            (#"{"prefill_isl": [1, 2], "prefill_ttft": [1, NaN], "prefill_thpt_per_gpu": [1, 2]}"#, "array prefill_ttft[1] is nan"),
            (#"{"prefill_isl": [1, 2], "prefill_ttft": [1], "prefill_thpt_per_gpu": [1, 2]}"#, "prefill_isl has 2 values, prefill_ttft has 1"),
            (#"{"prefill_isl": [1, 2], "prefill_ttft": [1, 2]}"#, #"missing field "prefill_thpt_per_gpu""#),
            (#"{"prefill_isl": [1, "2"], "prefill_ttft": [1, 2], "prefill_thpt_per_gpu": [1, 2]}"#, #"field "prefill_isl"[1]: expected a number"#),
            (#"{"prefill_isl": [1, 2],"#, "invalid JSON"),
        ]
        for (text, expected) in cases {
            try IOTest.write(text, to: prefillJSON)
            let error = IOTest.ioError { try ProfileLoader.load(directory: dir) }
            XCTAssertEqual(error?.path, prefillJSON)
            XCTAssertTrue(error?.message.contains(expected) ?? false, "\(expected): \(String(describing: error))")
        }
    }

    func testZipBombsAndLiesAreRefused() throws {
        let big = [UInt8](repeating: 0, count: 1 << 20)
        let payload = NPYBuilder.npy(shape: "(1,)", data: NPYBuilder.f8([1]))
        let cases: [([UInt8], String)] = [
            // Declares 4 GiB: refused before inflating.
            (ZipBuilder.zip([.init(name: "prefill_isl.npy", data: payload, deflated: true, declaredSize: 0xFFFF_FFF0)]), "limit"),
            // Declares 100 bytes but inflates to 1 MiB.
            (ZipBuilder.zip([.init(name: "prefill_isl.npy", data: big, deflated: true, declaredSize: 100)]), "more than the declared"),
            (Array(ZipBuilder.zip([.init(name: "prefill_isl.npy", data: payload)]).dropLast(3)), "end-of-central-directory"),
        ]
        for (bytes, expected) in cases {
            let error = IOTest.ioError { try ProfileLoader.parseNPZ(bytes, path: "x.npz", keys: ["prefill_isl"]) }
            XCTAssertTrue(error?.message.contains(expected) ?? false, "\(expected): \(String(describing: error))")
        }
        var flipped = ZipBuilder.zip([.init(name: "prefill_isl.npy", data: payload)])
        flipped[flipped.count / 3] ^= 0x40
        XCTAssertNotNil(IOTest.ioError { try ProfileLoader.parseNPZ(flipped, path: "x.npz", keys: ["prefill_isl"]) })
    }

    func testLoadManyKeepsOrderAndPerDirectoryFailures() throws {
        let missing = try IOTest.scratch(self)
        let dirs = Array(repeating: [h200, h100, missing], count: 20).flatMap { $0 }
        let results = ProfileLoader.loadMany(directories: dirs)
        XCTAssertEqual(results.count, 60)
        let a = try ProfileLoader.load(directory: h200), b = try ProfileLoader.load(directory: h100)
        for (i, result) in results.enumerated() {
            switch (i % 3, result) {
            case (0, .success(let p)): XCTAssertEqual(p, a)
            case (1, .success(let p)): XCTAssertEqual(p, b)
            case (2, .failure(let e)): XCTAssertTrue("\(e)".contains("pre-deployment profiling"))
            default: XCTFail("unexpected result \(i): \(result)")
            }
        }
    }
}
