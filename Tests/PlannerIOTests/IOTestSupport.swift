import Foundation
import XCTest
@testable import PlannerIO
import PlannerCore

/// Paths, scratch directories and fixture builders shared by the reader tests.
enum IOTest {
    static let root = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static func path(_ relative: String) -> String { root.appendingPathComponent(relative).path }

    /// A fresh directory, removed by the test case's teardown.
    static func scratch(_ testCase: XCTestCase) throws -> String {
        let dir = FileManager.default.temporaryDirectory
            .appendingPathComponent("plannerio-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        testCase.addTeardownBlock { try? FileManager.default.removeItem(atPath: dir) }
        return dir
    }

    static func write(_ text: String, to path: String) throws {
        try write(Array(text.utf8), to: path)
    }

    /// Plain fopen/fwrite: Foundation's Data.write fsyncs, which made the fuzz
    /// loop wait on the disk for every case.
    static func write(_ bytes: [UInt8], to path: String) throws {
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent,
                                                withIntermediateDirectories: true)
        guard let file = fopen(path, "wb") else { throw CocoaError(.fileWriteUnknown) }
        let written = bytes.withUnsafeBufferPointer { fwrite($0.baseAddress, 1, $0.count, file) }
        fclose(file)
        guard written == bytes.count else { throw CocoaError(.fileWriteUnknown) }
    }

    static func read(_ path: String) throws -> [UInt8] { Array(try Data(contentsOf: URL(fileURLWithPath: path))) }

    /// `extract_*.json` goldens made by tools/ref_planner.py extract.
    static func golden(_ name: String) throws -> [IntervalMetrics] {
        let data = try Data(contentsOf: URL(fileURLWithPath: path("Tests/Goldens/reference/\(name)")))
        let object = try JSONSerialization.jsonObject(with: data) as? [String: Any]
        let rows = object?["metrics"] as? [[String: Any]] ?? []
        return rows.map {
            IntervalMetrics(intervalStartSeconds: ($0["interval_start"] as? NSNumber)?.intValue ?? -1,
                            requestCount: ($0["request_count"] as? NSNumber)?.intValue ?? -1,
                            averageISL: ($0["avg_isl"] as? NSNumber)?.doubleValue ?? .nan,
                            averageOSL: ($0["avg_osl"] as? NSNumber)?.doubleValue ?? .nan)
        }
    }

    /// Exact starts and counts, averages within 1e-12 relative.
    static func assertMatches(_ ours: [IntervalMetrics], _ golden: [IntervalMetrics],
                              file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(ours.count, golden.count, "interval count", file: file, line: line)
        for (a, b) in zip(ours, golden) {
            XCTAssertEqual(a.intervalStartSeconds, b.intervalStartSeconds, file: file, line: line)
            XCTAssertEqual(a.requestCount, b.requestCount, "at \(b.intervalStartSeconds)", file: file, line: line)
            XCTAssertEqual(a.averageISL, b.averageISL, accuracy: 1e-12 * max(1, abs(b.averageISL)), file: file, line: line)
            XCTAssertEqual(a.averageOSL, b.averageOSL, accuracy: 1e-12 * max(1, abs(b.averageOSL)), file: file, line: line)
        }
    }

    /// Runs `body` and returns its PlannerIOError (failing when it succeeds or throws something else).
    static func ioError<T>(_ body: () throws -> T, file: StaticString = #filePath, line: UInt = #line) -> PlannerIOError? {
        do {
            _ = try body()
            XCTFail("expected a PlannerIOError", file: file, line: line)
        } catch let error as PlannerIOError {
            return error
        } catch {
            XCTFail("expected a PlannerIOError, got \(error)", file: file, line: line)
        }
        return nil
    }
}

/// Builds `.npy` bytes by hand: any header version, dtype and shape text.
enum NPYBuilder {
    static func npy(version: UInt8 = 1, descr: String = "<f8", fortran: Bool = false,
                    shape: String, data: [UInt8]) -> [UInt8] {
        var header = Array("{'descr': '\(descr)', 'fortran_order': \(fortran ? "True" : "False"), 'shape': \(shape), }".utf8)
        let prefix = version == 1 ? 10 : 12
        while (prefix + header.count + 1) % 64 != 0 { header.append(0x20) }
        header.append(0x0A)
        var out: [UInt8] = [0x93] + Array("NUMPY".utf8) + [version, 0]
        if version == 1 {
            out += [UInt8(header.count & 0xFF), UInt8(header.count >> 8)]
        } else {
            out += (0..<4).map { UInt8((header.count >> (8 * $0)) & 0xFF) }
        }
        return out + header + data
    }

    static func f8(_ v: [Double]) -> [UInt8] { v.flatMap { le($0.bitPattern.littleEndian) } }
    static func i8(_ v: [Int64]) -> [UInt8] { v.flatMap { le(UInt64(bitPattern: $0)) } }
    static func f4(_ v: [Float]) -> [UInt8] { v.flatMap { le(UInt64($0.bitPattern)).prefix(4) } }
    static func i4(_ v: [Int32]) -> [UInt8] { v.flatMap { le(UInt64(UInt32(bitPattern: $0))).prefix(4) } }
    private static func le(_ x: UInt64) -> [UInt8] { (0..<8).map { UInt8((x >> (8 * UInt64($0))) & 0xFF) } }
}

/// Builds zip archives the way numpy does (stored or deflated members), with
/// optional lies in the declared sizes for the zip-bomb tests.
enum ZipBuilder {
    struct Entry {
        var name: String
        var data: [UInt8]
        var deflated = false
        var declaredSize: UInt32? = nil
    }

    static func zip(_ entries: [Entry]) -> [UInt8] {
        var out: [UInt8] = []
        var central: [UInt8] = []
        func u16(_ v: Int, _ a: inout [UInt8]) { a += [UInt8(v & 0xFF), UInt8((v >> 8) & 0xFF)] }
        func u32(_ v: UInt32, _ a: inout [UInt8]) { a += (0..<4).map { UInt8((v >> (8 * UInt32($0))) & 0xFF) } }
        for e in entries {
            let payload = e.deflated ? Deflate.compress(e.data, container: .raw) : e.data
            let size = e.declaredSize ?? UInt32(e.data.count)
            let offset = UInt32(out.count)
            let name = Array(e.name.utf8)
            func header(_ a: inout [UInt8], central: Bool) {
                u32(central ? 0x0201_4B50 : 0x0403_4B50, &a)
                if central { u16(20, &a) }
                u16(20, &a); u16(0, &a); u16(e.deflated ? 8 : 0, &a); u16(0, &a); u16(0x21, &a)
                u32(Deflate.crc(e.data), &a); u32(UInt32(payload.count), &a); u32(size, &a)
                u16(name.count, &a); u16(0, &a)
                if central { u16(0, &a); u16(0, &a); u16(0, &a); u32(0, &a); u32(offset, &a) }
                a += name
            }
            header(&out, central: false)
            out += payload
            header(&central, central: true)
        }
        let cdOffset = UInt32(out.count)
        out += central
        u32(0x0605_4B50, &out); u16(0, &out); u16(0, &out)
        u16(entries.count, &out); u16(entries.count, &out)
        u32(UInt32(central.count), &out); u32(cdOffset, &out); u16(0, &out)
        return out
    }
}
