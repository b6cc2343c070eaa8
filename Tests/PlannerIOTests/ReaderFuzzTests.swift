import Foundation
import XCTest
@testable import PlannerIO
import PlannerCore
import TestPeers

/// Deterministic fuzzing of both readers: every mutated input must end in a value
/// or a thrown `PlannerIOError` — never a trap, a hang or another error type.
final class ReaderFuzzTests: XCTestCase {
    typealias Random = SeededRandom

    /// Bytes that steer parsers into their edge cases.
    static let interesting = Array(#"{}[],:"\0123456789eE.-+ NaIfy"#.utf8) + [0x00, 0x0A, 0x0D, 0x80, 0xFF, 0x93, 0x50, 0x4B]

    static func mutate(_ input: [UInt8], _ random: inout Random) -> [UInt8] {
        var bytes = input
        switch random.below(6) {
        case 0: // truncation
            bytes = Array(bytes.prefix(random.below(bytes.count + 1)))
        case 1: // a chunk repeated or dropped
            let a = random.below(bytes.count), b = min(bytes.count, a + 1 + random.below(64))
            if random.below(2) == 0 { bytes.insert(contentsOf: bytes[a..<b], at: a) } else { bytes.removeSubrange(a..<b) }
        case 2: // random insertion
            bytes.insert(interesting[random.below(interesting.count)], at: random.below(bytes.count + 1))
        default: // 1–8 byte flips, random or interesting values
            for _ in 0...random.below(8) where !bytes.isEmpty {
                let at = random.below(bytes.count)
                bytes[at] = random.below(2) == 0 ? UInt8(truncatingIfNeeded: random.next())
                                                 : interesting[random.below(interesting.count)]
            }
        }
        return bytes
    }

    struct Tally {
        var values = 0
        var errors = 0
        var total: Int { values + errors }

        mutating func run(_ body: () throws -> Void) {
            do {
                try body()
                values += 1
            } catch let error as PlannerIOError {
                XCTAssertFalse(error.description.isEmpty)
                errors += 1
            } catch {
                XCTFail("not a PlannerIOError: \(error)")
                errors += 1
            }
        }
    }

    func testTraceReadersSurviveMutations() throws {
        let dir = try IOTest.scratch(self)
        // The first lines of the real files (byte-wise: the CSV has CRLF line ends).
        func head(_ path: String, _ lines: Int) throws -> [UInt8] {
            let bytes = try IOTest.read(IOTest.path(path))
            var end = 0, seen = 0
            while end < bytes.count && seen < lines { if bytes[end] == 0x0A { seen += 1 }; end += 1 }
            return Array(bytes[..<end])
        }
        let mooncake = try head("data/traces/mooncake_conversation.jsonl", 6)
        let csv = try head("Tests/Fixtures/traces/azure_conv_2023.csv", 6)
        let dynamo = (0..<4).map {
            #"{"event": {"schema": "dynamo.request.trace.v1", "event_type": "request_end", "request": {"request_received_ms": \#(1_731_777_346_000 + $0 * 40_000), "output_tokens": \#(10 + $0), "replay": {"input_length": \#(100 * $0)}}}}"#
        }.joined(separator: "\n")
        let corpora: [(String, [UInt8])] = [
            ("m.jsonl", mooncake), ("a.csv", csv), ("d.jsonl", Array(dynamo.utf8)),
            ("m.jsonl.gz", Deflate.compress(mooncake, container: .gzip)),
        ]
        var random = Random(state: 0x5EED_0001)
        var tally = Tally()
        for round in 0..<5_000 {
            let (name, base) = corpora[round % corpora.count]
            let path = "\(dir)/\(round % 7)-\(name)"
            try IOTest.write(Self.mutate(base, &random), to: path)
            let interval = [1, 60, 180, 3600][random.below(4)]
            // A smaller span limit than the default 5,000,000 intervals: same code
            // path, but a mutated date cannot make one debug-build case take seconds.
            tally.run { _ = try TraceReader.extractIntervals(from: path, intervalSeconds: interval, maximumIntervals: 20_000) }
        }
        print("trace fuzz: \(tally.total) cases, \(tally.values) values, \(tally.errors) errors")
        XCTAssertEqual(tally.total, 5_000)
        XCTAssertGreaterThan(tally.values, 100)
        XCTAssertGreaterThan(tally.errors, 1_000)
    }

    func testProfileReadersSurviveMutations() throws {
        let h200 = IOTest.path("data/profiles/h200_llama8b_tp1")
        let h100 = IOTest.path("Tests/Fixtures/profiles/h100_qwen32b_tp2")
        let prefillKeys = ProfileLoader.prefillKeys
        let decodeKeys = ProfileLoader.decodeKeys + ["max_kv_tokens"]
        let archives: [([UInt8], [String])] = try [h200, h100].flatMap { dir in [
            (try IOTest.read(dir + "/selected_prefill_interpolation/raw_data.npz"), prefillKeys),
            (try IOTest.read(dir + "/selected_decode_interpolation/raw_data.npz"), decodeKeys),
        ] }
        let jsons: [([UInt8], [String])] = [
            (try IOTest.read(h200 + "/prefill_raw_data.json"), prefillKeys),
            (try IOTest.read(h100 + "/decode_raw_data.json"), decodeKeys),
        ]
        let array = NPYBuilder.npy(descr: "<f8", shape: "(5,)", data: NPYBuilder.f8([1, 2, 3, 4, 5]))
        let dtypes = ["<f8", "<i8", "<f4", "<i4", ">f8", "<c16", "|b1", "<i2", "<U3", "O", "<f8'", ""]
        let shapes = ["(5,)", "(0,)", "()", "(5, 1)", "(18446744073709551615,)", "(4294967296,)", "(16777217,)", "(-1,)", "(5", "5"]
        var random = Random(state: 0x5EED_0002)
        var tally = Tally()
        for round in 0..<6_000 {
            switch round % 6 {
            case 0, 1: // whole archives, byte-level damage (CRC and structure checks)
                let (bytes, keys) = archives[random.below(archives.count)]
                tally.run { _ = try ProfileLoader.parseNPZ(Self.mutate(bytes, &random), path: "f.npz", keys: keys) }
            case 2: // damaged .npy inside a valid archive, so the array parser sees it
                let npy = random.below(2) == 0 ? Self.mutate(array, &random)
                    : NPYBuilder.npy(version: UInt8(1 + random.below(4)), descr: dtypes[random.below(dtypes.count)],
                                     fortran: random.below(8) == 0, shape: shapes[random.below(shapes.count)],
                                     data: NPYBuilder.f8([1, 2, 3, 4, 5]))
                let zip = ZipBuilder.zip([.init(name: "prefill_isl.npy", data: npy, deflated: random.below(2) == 0)])
                tally.run { _ = try ProfileLoader.parseNPZ(zip, path: "f.npz", keys: ["prefill_isl"]) }
            case 3: // zip bombs and lying size fields
                let size = [0, 1, 100, 1 << 16, 0x7FFF_FFFF, 0xFFFF_FFFE, 0xFFFF_FFFF][random.below(7)]
                let data = random.below(2) == 0 ? array : [UInt8](repeating: 0, count: 1 << (10 + random.below(10)))
                let zip = ZipBuilder.zip([.init(name: "prefill_isl.npy", data: data, deflated: random.below(4) != 0,
                                                declaredSize: UInt32(size))])
                tally.run { _ = try ProfileLoader.parseNPZ(zip, path: "f.npz", keys: ["prefill_isl"]) }
            case 4: // JSON profiles
                let (bytes, keys) = jsons[random.below(jsons.count)]
                tally.run {
                    let arrays = try ProfileJSON.parse(Self.mutate(bytes, &random), path: "f.json", keys: keys)
                    if keys == decodeKeys {
                        _ = try ProfileLoader.assemble(prefill: ("p", try ProfileJSON.parse(jsons[0].0, path: "p", keys: prefillKeys)),
                                                       decode: ("f.json", arrays))
                    }
                }
            default: // the .npy parser alone
                tally.run { _ = try NPYArray.parse(Self.mutate(array, &random), name: "a", path: "f.npy") }
            }
        }
        print("profile fuzz: \(tally.total) cases, \(tally.values) values, \(tally.errors) errors")
        XCTAssertEqual(tally.total, 6_000)
        XCTAssertGreaterThan(tally.values, 300)
        XCTAssertGreaterThan(tally.errors, 1_000)
    }
}
