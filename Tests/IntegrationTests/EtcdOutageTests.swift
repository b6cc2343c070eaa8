import Connectors
import Foundation
import PlannerCore
import XCTest

/// etcd down at start and in the middle of a run: clear errors naming endpoint and operation,
/// recovery without restarting the planner, and no lost or repeated decision ids.
final class EtcdOutageTests: XCTestCase {
    func testDownAtStartThenMidRun() async throws {
        let server = try await EtcdProcess.startSingle(for: self)
        server.crash()  // down before the planner's first call
        let client = EtcdClient(endpoints: try EtcdEndpoints([server.clientURL]),
                                configuration: .init(requestTimeoutSeconds: 2, retryRounds: 2, retryBackoffSeconds: 0.1))
        let connector = try VirtualConnector(client: client, namespace: "outage",
                                             timing: VirtualConnectorTiming(maxWaitSeconds: 30, checkIntervalSeconds: 0.05))
        // Construction and validation do not need etcd: a planner starts while etcd comes up.
        try await connector.validateDeployment()
        do {
            try await connector.setComponentReplicas([TargetReplica(component: .prefill, replicas: 2)], blocking: false)
            XCTFail("a decision cannot be written while etcd is down")
        } catch let error as EtcdError {
            guard case let .unavailable(operation, failures) = error else { return XCTFail("\(error)") }
            XCTAssertTrue(operation.contains("v1/outage/planner/"), operation)
            XCTAssertEqual(failures.first?.endpoint, server.clientURL)
            XCTAssertTrue("\(error)".contains(server.clientURL), "\(error)")
        }

        try await server.restart()
        try await connector.setComponentReplicas([TargetReplica(component: .prefill, replicas: 2)], blocking: false)
        try await client.put("v1/outage/planner/scaled_decision_id", "0")

        server.crash()  // down in the middle of the run
        do {
            try await connector.addComponent(.decode, blocking: false)
            XCTFail("a decision cannot be written while etcd is down")
        } catch is EtcdError {}
        do {
            _ = try await VirtualConnectorClient(client: client, namespace: "outage").get()
            XCTFail("the client cannot read while etcd is down")
        } catch is EtcdError {}

        try await server.restart()
        try await connector.addComponent(.decode, blocking: false)
        let decision = try await VirtualConnectorClient(client: client, namespace: "outage").get()
        XCTAssertEqual(decision, VirtualScalingDecision(numPrefillWorkers: 2, numDecodeWorkers: 1, decisionId: 1, scaledDecisionId: 0))
    }

    func testBlockingWaitSurvivesAnOutage() async throws {
        let server = try await EtcdProcess.startSingle(for: self)
        let client = EtcdClient(endpoints: try EtcdEndpoints([server.clientURL]),
                                configuration: .init(requestTimeoutSeconds: 1, retryRounds: 1, retryBackoffSeconds: 0.1))
        let connector = try VirtualConnector(client: client, namespace: "outage-wait",
                                             timing: VirtualConnectorTiming(maxWaitSeconds: 30, checkIntervalSeconds: 0.1))
        try await connector.setComponentReplicas([TargetReplica(component: .decode, replicas: 1)], blocking: false)
        let waiting = Task { try await connector.coordinator.waitForScalingCompletion() }
        server.crash()
        try await Task.sleep(nanoseconds: 1_000_000_000)
        try await server.restart()
        try await client.put("v1/outage-wait/planner/scaled_decision_id", "0")
        let acknowledged = try await withTimeout(15, "wait across the outage") { try await waiting.value }
        XCTAssertTrue(acknowledged)
    }
}
