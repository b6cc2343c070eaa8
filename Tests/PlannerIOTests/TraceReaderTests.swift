import Foundation
import XCTest
@testable import PlannerIO
import PlannerCore

/// Trace extraction against goldens from tools/ref_planner.py extract
/// (Tests/Goldens/reference/extract_*.json): counts exact, averages within 1e-12 relative.
final class TraceReaderTests: XCTestCase {
    let mooncake = IOTest.path("data/traces/mooncake_conversation.jsonl")
    let azureJSONL = IOTest.path("Tests/Fixtures/traces/azure_conv_2023.jsonl")
    let azureCSV = IOTest.path("Tests/Fixtures/traces/azure_conv_2023.csv")

    func testMooncakeGoldens() throws {
        for interval in [60, 180] {
            let ours = try TraceReader.extractIntervals(from: mooncake, intervalSeconds: interval)
            IOTest.assertMatches(ours, try IOTest.golden("extract_mooncake_conversation_\(interval).json"))
        }
    }

    func testAzureJSONLAndCSVMatchGoldens() throws {
        for interval in [60, 180] {
            let golden = try IOTest.golden("extract_azure_conv_2023_\(interval).json")
            let fromJSONL = try TraceReader.extractIntervals(from: azureJSONL, intervalSeconds: interval)
            let fromCSV = try TraceReader.extractIntervals(from: azureCSV, intervalSeconds: interval)
            IOTest.assertMatches(fromJSONL, golden)
            IOTest.assertMatches(fromCSV, golden)
            XCTAssertEqual(fromCSV, fromJSONL)
        }
    }

    func testCSVTimestampsAreRoundedMillisecondsFromTheFirstRequest() throws {
        var csv: [TraceRequest] = []
        var jsonl: [TraceRequest] = []
        try TraceReader.forEachRequest(path: azureCSV) { csv.append($0) }
        try TraceReader.forEachRequest(path: azureJSONL) { jsonl.append($0) }
        XCTAssertEqual(csv.count, 19_366)
        XCTAssertEqual(csv, jsonl)
        XCTAssertEqual(csv[1].timestampMilliseconds, 4315) // 4.3145790 s after the first request
    }

    func testGzipShardsDirectoryAndGlobEqualTheSingleFile() throws {
        let dir = try IOTest.scratch(self)
        let lines = try String(contentsOfFile: mooncake, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false)
        let expected = try TraceReader.extractIntervals(from: mooncake, intervalSeconds: 60)
        // gzip, written as two concatenated members like `cat a.gz b.gz`.
        let half = lines.count / 2
        let first = Array((lines[..<half].joined(separator: "\n") + "\n").utf8)
        let second = Array(lines[half...].joined(separator: "\n").utf8)
        try IOTest.write(Deflate.compress(first, container: .gzip) + Deflate.compress(second, container: .gzip),
                         to: dir + "/single.jsonl.gz")
        XCTAssertEqual(try TraceReader.extractIntervals(from: dir + "/single.jsonl.gz", intervalSeconds: 60), expected)
        // Shards in a directory, out of creation order; a gzip shard and a stray README.
        let shards = dir + "/shards"
        let thirds = [0, lines.count / 3, 2 * lines.count / 3, lines.count]
        for (k, name) in ["part-002.jsonl", "part-000.jsonl", "part-001.jsonl.gz"].enumerated() {
            let index = [2, 0, 1][k]
            let text = Array(lines[thirds[index]..<thirds[index + 1]].joined(separator: "\n").utf8) + [0x0A]
            try IOTest.write(name.hasSuffix(".gz") ? Deflate.compress(text, container: .gzip) : text, to: "\(shards)/\(name)")
        }
        try IOTest.write("not a trace", to: shards + "/README.md")
        XCTAssertEqual(try TraceReader.files(of: shards).map { ($0 as NSString).lastPathComponent },
                       ["part-000.jsonl", "part-001.jsonl.gz", "part-002.jsonl"])
        XCTAssertEqual(try TraceReader.extractIntervals(from: shards, intervalSeconds: 60), expected)
        XCTAssertEqual(try TraceReader.extractIntervals(from: shards + "/part-*", intervalSeconds: 60), expected)
        XCTAssertNotEqual(try TraceReader.extractIntervals(from: shards + "/part-00[01]*", intervalSeconds: 60), expected)
    }

    func testDynamoV1OriginIsTheEarliestRequestOverAllFiles() throws {
        let dir = try IOTest.scratch(self)
        func event(_ type: String, _ ms: Double, _ isl: Int, _ osl: Int) -> String {
            #"{"event": {"schema": "dynamo.request.trace.v1", "event_type": "\#(type)", "request": {"request_id": "r", "request_received_ms": \#(ms), "output_tokens": \#(osl), "replay": {"input_length": \#(isl), "hash_ids": [1, 2]}}}}"#
        }
        let t0 = 1_731_777_346_680.5
        try IOTest.write([event("request_end", t0 + 61_000, 300, 30), event("request_start", t0 - 99_999, 1, 1),
                          event("request_end", t0 + 1_000, 100, 10)].joined(separator: "\n"), to: dir + "/a.jsonl")
        try IOTest.write([event("request_end", t0, 200, 20), "",
                          event("request_end", t0 + 185_000, 500, 50)].joined(separator: "\n") + "\n", to: dir + "/b.jsonl")
        let metrics = try TraceReader.extractIntervals(from: dir, intervalSeconds: 60)
        XCTAssertEqual(metrics, [
            IntervalMetrics(intervalStartSeconds: 0, requestCount: 2, averageISL: 150, averageOSL: 15),
            IntervalMetrics(intervalStartSeconds: 60, requestCount: 1, averageISL: 300, averageOSL: 30),
            IntervalMetrics(intervalStartSeconds: 120, requestCount: 0, averageISL: 0, averageOSL: 0),
            IntervalMetrics(intervalStartSeconds: 180, requestCount: 1, averageISL: 500, averageOSL: 50),
        ])
    }

    func testFloatTimestampsUsePythonFloorDivision() throws {
        let dir = try IOTest.scratch(self)
        // 59999.99999999999 // 60000 is 0 and -0.5 // 60000 is -1 in Python.
        try IOTest.write("""
            {"timestamp": 59999.99999999999, "input_length": 2, "output_length": 4, "hash_ids": []}
            {"input_length": 4, "timestamp": 6.0e4, "output_length": 8}
            {"timestamp": -0.5, "output_length": 1, "input_length": 1}
            """, to: dir + "/t.jsonl")
        XCTAssertEqual(try TraceReader.extractIntervals(from: dir + "/t.jsonl", intervalSeconds: 60), [
            IntervalMetrics(intervalStartSeconds: -60, requestCount: 1, averageISL: 1, averageOSL: 1),
            IntervalMetrics(intervalStartSeconds: 0, requestCount: 1, averageISL: 2, averageOSL: 4),
            IntervalMetrics(intervalStartSeconds: 60, requestCount: 1, averageISL: 4, averageOSL: 8),
        ])
        XCTAssertEqual(IntervalAccumulator.pythonFloorDivision(1e-300, 60_000), 0)
        XCTAssertEqual(IntervalAccumulator.pythonFloorDivision(-1e-300, 60_000), -1)
    }

    func testEmptyTraceAndBadInterval() throws {
        let dir = try IOTest.scratch(self)
        try IOTest.write("\n  \n", to: dir + "/empty.jsonl")
        XCTAssertEqual(try TraceReader.extractIntervals(from: dir + "/empty.jsonl", intervalSeconds: 60), [])
        let error = IOTest.ioError { try TraceReader.extractIntervals(from: mooncake, intervalSeconds: 0) }
        XCTAssertTrue(error?.message.contains("positive") ?? false, "\(String(describing: error))")
    }

    /// Each bad row: the error names the file, the line and the field or the JSON problem.
    func testErrorsNameFileLineAndField() throws {
        let dir = try IOTest.scratch(self)
        let good = #"{"timestamp": 1, "input_length": 2, "output_length": 3}"#
        let cases: [(String, String, String)] = [
            ("missing.jsonl", #"{"timestamp": 5, "input_length": 2}"#, #"missing field "output_length""#),
            ("type.jsonl", #"{"timestamp": "5", "input_length": 2, "output_length": 3}"#, #"field "timestamp": expected a number, found a string"#),
            ("negative.jsonl", #"{"timestamp": 5, "input_length": -2, "output_length": 3}"#, #"field "input_length" must not be negative"#),
            ("fraction.jsonl", #"{"timestamp": 5, "input_length": 2, "output_length": 3.5}"#, #"field "output_length": expected a non-negative integer"#),
            ("nan.jsonl", #"{"timestamp": NaN, "input_length": 2, "output_length": 3}"#, #"field "timestamp" is not finite"#),
            ("huge.jsonl", #"{"timestamp": 1e999, "input_length": 2, "output_length": 3}"#, #"field "timestamp" is not finite"#),
            ("json.jsonl", #"{"timestamp": 5, "input_length": 2, "output_length": 3, "hash_ids": [1,,2]}"#, "invalid JSON at column"),
            ("trailing.jsonl", #"{"timestamp": 5, "input_length": 2, "output_length": 3} x"#, "end of line"),
            ("truncated.jsonl", #"{"timestamp": 5, "input_length": 2, "output_"#, "invalid JSON"),
            ("span.jsonl", #"{"timestamp": 1731777346680, "input_length": 2, "output_length": 3}"#, "intervals of 60 s"),
        ]
        for (name, bad, expected) in cases {
            let path = dir + "/" + name
            try IOTest.write([good, "", bad, good].joined(separator: "\n"), to: path)
            let error = IOTest.ioError { try TraceReader.extractIntervals(from: path, intervalSeconds: 60) }
            XCTAssertEqual(error?.path, path, name)
            XCTAssertEqual(error?.line, 3, name)
            XCTAssertTrue(error?.message.contains(expected) ?? false, "\(name): \(String(describing: error))")
        }
        let dynamo = dir + "/dynamo.jsonl"
        try IOTest.write(#"{"event": {"event_type": "request_end", "request": {"request_received_ms": 5, "output_tokens": 1, "replay": {}}}}"#,
                         to: dynamo)
        let error = IOTest.ioError { try TraceReader.extractIntervals(from: dynamo, intervalSeconds: 60) }
        XCTAssertEqual(error?.description, dynamo + #":1: missing field "event.request.replay.input_length""#)
        let csv = dir + "/azure.csv"
        try IOTest.write("TIMESTAMP,ContextTokens,GeneratedTokens\n2023-11-16 18:15:46.68,3,4\n2023-11-16 18:15:47,x,4\n", to: csv)
        let csvError = IOTest.ioError { try TraceReader.extractIntervals(from: csv, intervalSeconds: 60) }
        XCTAssertEqual(csvError?.line, 3)
        XCTAssertTrue(csvError?.message.contains(#"field "ContextTokens""#) ?? false, "\(String(describing: csvError))")
        let corrupt = dir + "/bad.jsonl.gz"
        var gz = Deflate.compress(Array((good + "\n").utf8), container: .gzip)
        gz.removeLast(6)
        try IOTest.write(gz, to: corrupt)
        XCTAssertNotNil(IOTest.ioError { try TraceReader.extractIntervals(from: corrupt, intervalSeconds: 60) })
        XCTAssertEqual(IOTest.ioError { try TraceReader.extractIntervals(from: dir + "/nope-*.jsonl", intervalSeconds: 60) }?.path,
                       dir + "/nope-*.jsonl")
    }

    func testEscapedKeysAndWhitespaceAreJSON() throws {
        let dir = try IOTest.scratch(self)
        try IOTest.write(" { \"time\\u0073tamp\" : 1.5e3 ,\"input_length\":7,\"output_length\" :0, \"x\": {\"a\": [true, null, \"\\\"]\"]}}\r\n",
                         to: dir + "/t.jsonl")
        var rows: [TraceRequest] = []
        try TraceReader.forEachRequest(path: dir + "/t.jsonl") { rows.append($0) }
        XCTAssertEqual(rows, [TraceRequest(timestampMilliseconds: 1500, inputLength: 7, outputLength: 0)])
    }
}
