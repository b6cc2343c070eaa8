import Foundation
import XCTest
@testable import PlannerIO
import PlannerCore

/// The pull-based reader `planner replay` streams: same rows as the bulk reader
/// in every format, Mooncake `hash_ids` decoded, errors located at file and line.
final class ReplayTraceReaderTests: XCTestCase {
    private func rows(_ path: String) throws -> [ReplayTraceRow] {
        let reader = try ReplayTraceReader(path: path)
        var out: [ReplayTraceRow] = []
        while let row = try reader.next() { out.append(row) }
        return out
    }

    func testMooncakeRowsCarryTheirHashIDs() throws {
        let dir = try IOTest.scratch(self)
        let path = dir + "/t.jsonl"
        try IOTest.write("""
            {"timestamp": 0, "input_length": 130, "output_length": 5, "hash_ids": [0, 1, 18446744073709]}

            {"timestamp": 1500.5, "input_length": 3, "output_length": 1, "hash_ids": []}
            {"timestamp": 2000, "hash_ids": [7], "input_length": 64, "output_length": 2}
            {"timestamp": 2500, "input_length": 64, "output_length": 2}
            """, to: path)
        let r = try rows(path)
        XCTAssertEqual(r.count, 4)
        XCTAssertEqual(r[0].hashIDs, [0, 1, 18_446_744_073_709])
        XCTAssertEqual(r[1].arrivalSeconds, 1.5005, accuracy: 1e-12)
        XCTAssertEqual(r[1].hashIDs, [])
        XCTAssertEqual(r[2].hashIDs, [7])
        XCTAssertNil(r[3].hashIDs)
        XCTAssertEqual(r[1].location, path + ":3")
    }

    func testEveryFormatGivesTheBulkReadersRequests() throws {
        for trace in ["data/traces/mooncake_conversation.jsonl", "Tests/Fixtures/traces/azure_conv_2023.csv",
                      "Tests/Fixtures/traces/azure_conv_2023.jsonl"] {
            var bulk: [TraceRequest] = []
            try TraceReader.forEachRequest(path: IOTest.path(trace)) { bulk.append($0) }
            let pulled = try rows(IOTest.path(trace))
            XCTAssertEqual(pulled.count, bulk.count, trace)
            for (a, b) in zip(pulled, bulk) where a.arrivalSeconds != b.timestampMilliseconds / 1000
                || a.inputLength != b.inputLength || a.outputLength != b.outputLength {
                XCTFail("\(trace): \(a.location) differs from the bulk reader")
                break
            }
        }
    }

    func testBadHashIDsAreLocated() throws {
        let dir = try IOTest.scratch(self)
        let path = dir + "/bad.jsonl"
        try IOTest.write("{\"timestamp\": 0, \"input_length\": 1, \"output_length\": 1}\n"
            + "{\"timestamp\": 1, \"input_length\": 1, \"output_length\": 1, \"hash_ids\": [1, -2]}\n", to: path)
        XCTAssertThrowsError(try rows(path)) { error in
            let text = "\(error)"
            XCTAssertTrue(text.contains("bad.jsonl") && text.contains("2") && text.contains("hash_ids"), text)
        }
    }
}
