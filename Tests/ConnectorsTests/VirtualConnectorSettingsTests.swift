@testable import Connectors
import NIOCore
import XCTest

/// The pure parts of the etcd client and the virtual connector: endpoint lists, key layout,
/// time settings, prefix ranges, stream splitting and error texts.
final class VirtualConnectorSettingsTests: XCTestCase {
    func testEndpointsFromEnvironment() throws {
        XCTAssertEqual(try EtcdEndpoints.fromEnvironment([:]).urls, ["http://localhost:2379"])
        XCTAssertEqual(try EtcdEndpoints.fromEnvironment(["ETCD_ENDPOINTS": "  "]).urls, ["http://localhost:2379"])
        let three = try EtcdEndpoints.fromEnvironment(
            ["ETCD_ENDPOINTS": "http://10.0.0.1:2379/, 10.0.0.2:2379,,https://etcd.example:2379"])
        XCTAssertEqual(three.urls, ["http://10.0.0.1:2379", "http://10.0.0.2:2379", "https://etcd.example:2379"])
        XCTAssertThrowsError(try EtcdEndpoints.parse("ftp://x:1")) { error in
            XCTAssertTrue("\(error)".contains("`ftp://x:1` is not an etcd endpoint"), "\(error)")
        }
        XCTAssertThrowsError(try EtcdEndpoints.parse(" , "))
    }

    func testKeyLayout() throws {
        let keys = try VirtualConnectorKeys(namespace: "dynamo")
        XCTAssertEqual(keys.numPrefillWorkers, "v1/dynamo/planner/num_prefill_workers")
        XCTAssertEqual(keys.numDecodeWorkers, "v1/dynamo/planner/num_decode_workers")
        XCTAssertEqual(keys.decisionId, "v1/dynamo/planner/decision_id")
        XCTAssertEqual(keys.scaledDecisionId, "v1/dynamo/planner/scaled_decision_id")
        XCTAssertEqual(keys.leader, "v1/dynamo/planner/leader")
        XCTAssertThrowsError(try VirtualConnectorKeys(namespace: ""))
        XCTAssertThrowsError(try VirtualConnectorKeys(namespace: "a/b"))
    }

    func testTimingFromEnvironment() throws {
        XCTAssertEqual(try VirtualConnectorTiming.fromEnvironment([:]),
                       VirtualConnectorTiming(maxWaitSeconds: 1800, checkIntervalSeconds: 10))
        XCTAssertEqual(try VirtualConnectorTiming.fromEnvironment(
            ["SCALING_MAX_WAIT_TIME": "60", "SCALING_CHECK_INTERVAL": "0.5"]),
                       VirtualConnectorTiming(maxWaitSeconds: 60, checkIntervalSeconds: 0.5))
        XCTAssertThrowsError(try VirtualConnectorTiming.fromEnvironment(["SCALING_CHECK_INTERVAL": "soon"])) { error in
            XCTAssertEqual(error as? VirtualConnectorError, .invalidSetting(name: "SCALING_CHECK_INTERVAL", value: "soon"))
        }
        XCTAssertThrowsError(try VirtualConnectorTiming.fromEnvironment(["SCALING_MAX_WAIT_TIME": "-1"]))
    }

    func testSettingsAreClampedSoNoConversionTraps() {
        let timing = VirtualConnectorTiming(maxWaitSeconds: .nan, checkIntervalSeconds: 0)
        XCTAssertEqual(timing.maxWaitSeconds, 1800)
        XCTAssertEqual(timing.checkIntervalSeconds, 0.001)
        XCTAssertEqual(VirtualConnectorTiming(maxWaitSeconds: .infinity).maxWaitSeconds, 31_536_000)
        let client = EtcdClientConfiguration(requestTimeoutSeconds: -1, retryRounds: 0, retryBackoffSeconds: .infinity)
        XCTAssertEqual(client.requestTimeoutSeconds, 0.01)
        XCTAssertEqual(client.retryRounds, 1)
        XCTAssertEqual(client.retryBackoffSeconds, 60)
    }

    func testPrefixRangeEnd() {
        XCTAssertEqual(EtcdJSON.prefixRangeEnd("v1/ns/planner/"), Array("v1/ns/planner0".utf8))
        XCTAssertEqual(EtcdJSON.prefixRangeEnd("a"), Array("b".utf8))
        XCTAssertEqual(EtcdJSON.prefixRangeEnd("\u{7f}"), [0x80])
    }

    func testGatewayEncoding() {
        XCTAssertEqual(EtcdJSON.encodeBase64("v1/x"), "djEveA==")
        XCTAssertEqual(EtcdJSON.decodeBase64("MTI="), "12")
        XCTAssertNil(EtcdJSON.decodeBase64("not base64!"))
        XCTAssertEqual(EtcdJSON.int64("4111120326958042376"), 4_111_120_326_958_042_376)
        XCTAssertEqual(EtcdJSON.int64(7), 7)
        XCTAssertNil(EtcdJSON.int64(nil))
        let kv = EtcdKeyValue(json: ["key": "Zm9v", "create_revision": "2", "mod_revision": "3", "version": "2", "value": "MTM="])
        XCTAssertEqual(kv, EtcdKeyValue(key: "foo", value: "13", createRevision: 2, modRevision: 3, version: 2))
        // Zero fields are left out by the gateway: an empty value and no lease.
        XCTAssertEqual(EtcdKeyValue(json: ["key": "Zm9v"]), EtcdKeyValue(key: "foo", value: ""))
        XCTAssertNil(EtcdKeyValue(json: ["value": "MTM="]))
    }

    func testLineSplitterAcrossChunks() {
        var splitter = EtcdLineSplitter()
        XCTAssertEqual(splitter.append(ByteBuffer(string: "{\"a\":")), [])
        XCTAssertEqual(splitter.append(ByteBuffer(string: "1}\n\n{\"b\"")).map { String(decoding: $0, as: UTF8.self) },
                       ["{\"a\":1}"])
        XCTAssertEqual(splitter.append(ByteBuffer(string: ":2}\r\n{\"c\":3}\n")).map { String(decoding: $0, as: UTF8.self) },
                       ["{\"b\":2}\r", "{\"c\":3}"])
    }

    func testUnavailableErrorNamesOperationAndEndpoints() {
        let error = EtcdError.unavailable(operation: "put v1/ns/planner/decision_id", failures: [
            EtcdEndpointFailure(endpoint: "http://a:2379", reason: "connection refused"),
            EtcdEndpointFailure(endpoint: "http://b:2379", reason: "timed out"),
            EtcdEndpointFailure(endpoint: "http://a:2379", reason: "connection refused"),
        ])
        XCTAssertEqual("\(error)", "etcd put v1/ns/planner/decision_id failed on every endpoint "
                       + "(http://a:2379: connection refused (×2); http://b:2379: timed out)")
    }

    func testDecisionPending() {
        XCTAssertFalse(VirtualScalingDecision(numPrefillWorkers: -1, numDecodeWorkers: -1, decisionId: -1).isPending)
        XCTAssertTrue(VirtualScalingDecision(numPrefillWorkers: 1, numDecodeWorkers: 1, decisionId: 0).isPending)
        XCTAssertFalse(VirtualScalingDecision(numPrefillWorkers: 1, numDecodeWorkers: 1, decisionId: 3, scaledDecisionId: 3).isPending)
    }
}
