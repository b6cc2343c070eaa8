@testable import Connectors
import Foundation
import XCTest

/// The scanner-based readers of fleet-sized answers (Prometheus vectors, etcd
/// transactions and ranges) read exactly what `JSONSerialization` would, and refuse
/// what it would refuse, with one line saying where.
final class FleetAnswerParsingTests: XCTestCase {
    func parse(_ text: String) throws -> [PrometheusSample] {
        try PrometheusVector.parse(Data(text.utf8), endpoint: "http://p", query: "q")
    }

    func testEscapesSurrogatesAndNonStringLabelsAreReadAsJSONSerializationReadsThem() throws {
        let text = #"{"status":"success","data":{"result":[{"metric":{"a":"x\u00e9\"\ud83d\ude00\/\n","n":1,"m":null},"value":[1.5,"+Inf"]}],"resultType":"vector"}}"#
        let samples = try parse(text)
        XCTAssertEqual(samples, [PrometheusSample(labels: ["a": "xé\"😀/\n"], value: .infinity)])
        // The same labels as the generic reader gets.
        let root = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        let result = try XCTUnwrap((root["data"] as? [String: Any])?["result"] as? [[String: Any]])
        XCTAssertEqual((result[0]["metric"] as? [String: Any])?["a"] as? String, samples[0].labels["a"])
        XCTAssertEqual(try parse(#"{"status":"success","data":{"resultType":"scalar","result":[1,"2.5"]}}"#),
                       [PrometheusSample(labels: [:], value: 2.5)])
        XCTAssertEqual(try parse(#" {"data":{"resultType":"vector","result":[]},"status":"success"} "#), [])
    }

    func testBrokenAnswersAreRefusedNamingTheProblem() {
        let cases: [(String, String)] = [
            ("[1]", "not a JSON object"),
            (#"{"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":[1]}]}}"#, "sample without [time, value]"),
            (#"{"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":[1,2]}]}}"#, "sample value is not a string"),
            (#"{"status":"success","data":{"resultType":"vector","result":[]}} x"#, "invalid JSON at byte 64"),
            (#"{"status":"success","data":{"resultType":"vector","result":{}}}"#, "vector without result list"),
            (#"{"status":"success","data":{"resultType":"matrix","result":[]}}"#, "unexpected result type 'matrix'"),
            ("{\"status\":\"succ\u{1}ess\"}", "no control character"),
            (String(repeating: "[", count: 300), "not a JSON object"),
            ("{" + String(repeating: "\"a\":{", count: 300), "256 nested levels"),
            (#"{"status":"success","data":{"resultType":"vector","result":[{"metric":{"a":"\ud83d"},"value":[1,"x"]}]}}"#, "'x' is not a number"),
        ]
        for (text, expected) in cases {
            XCTAssertThrowsError(try parse(text), text) { error in
                XCTAssertTrue("\(error)".contains(expected), "\(text): \(error)")
            }
        }
        XCTAssertThrowsError(try parse(#"{"status":"error","errorType":"bad_data","error":"parse error"}"#)) {
            XCTAssertEqual($0 as? PrometheusError, .queryFailed(endpoint: "http://p", query: "q", errorType: "bad_data", message: "parse error"))
        }
    }

    func testEtcdAnswersReadLikeTheGenericReader() throws {
        let key = Data("v1/a/planner/decision_id".utf8).base64EncodedString()
        let txn = #"{"header":{"cluster_id":"1","revision":"42"},"succeeded":true,"responses":[{"response_range":{"header":{"revision":"42"},"kvs":[{"key":"\#(key)","create_revision":"3","mod_revision":"40","version":"2","value":"Nw=="}],"count":"1"}},{"response_put":{"header":{}}},{"response_range":{"header":{}}}]}"#
        let scanned = try XCTUnwrap(EtcdTxnResult.scan(Data(txn.utf8))?[EtcdTxnResult.scannedKey] as? EtcdTxnResult)
        let kv = EtcdKeyValue(key: "v1/a/planner/decision_id", value: "7", createRevision: 3, modRevision: 40, version: 2)
        XCTAssertEqual(scanned, EtcdTxnResult(succeeded: true, revision: 42, ranges: [[kv], []]))
        let range = #"{"header":{"revision":"9"},"kvs":[{"key":"\#(key)","mod_revision":40,"value":"Nw=="},{"value":"eA=="}]}"#
        let r = try XCTUnwrap(EtcdRangeResult.scan(Data(range.utf8))?[EtcdRangeResult.scannedKey] as? EtcdRangeResult)
        XCTAssertEqual(r, EtcdRangeResult(revision: 9, kvs: [EtcdKeyValue(key: kv.key, value: "7", modRevision: 40)]))
        // Error envelopes and odd syntax are left to the generic reader (nil).
        XCTAssertNil(EtcdTxnResult.scan(Data(#"{"error":"etcdserver: too many operations in txn request","code":3}"#.utf8)))
        XCTAssertNil(EtcdRangeResult.scan(Data("{\"kvs\":[1,".utf8)))
    }
}
