import Connectors
import Foundation
import PlannerCore
import XCTest

/// docs/behaviour.md §8.1 against one real etcd: ids, skipping, forced decisions, blocking calls,
/// the client's watch, restart, and malformed values.
final class VirtualConnectorProtocolTests: XCTestCase {
    var etcd: EtcdProcess!
    var client: EtcdClient!

    override func setUp() async throws {
        let started = try await EtcdProcess.startSingle(for: self)
        etcd = started
        client = EtcdClient(endpoints: try EtcdEndpoints([started.clientURL]))
    }

    private func makeConnector(_ namespace: String, maxWait: Double = 30, check: Double = 0.05) throws -> VirtualConnector {
        try VirtualConnector(client: client, namespace: namespace,
                             timing: VirtualConnectorTiming(maxWaitSeconds: maxWait, checkIntervalSeconds: check))
    }

    private func value(_ key: String) async throws -> String? { try await client.get(key)?.value }

    func testFirstDecisionIsZeroAndUnchangedCountsAreSkipped() async throws {
        let connector = try makeConnector("ns-first")
        let coordinator = connector.coordinator
        let first = try await coordinator.updateScalingDecision(prefill: 2, decode: 3)
        XCTAssertEqual(first, .written(decisionId: 0))
        let value1 = try await value("v1/ns-first/planner/decision_id")
        XCTAssertEqual(value1, "0")
        let value2 = try await value("v1/ns-first/planner/num_prefill_workers")
        XCTAssertEqual(value2, "2")
        let value3 = try await value("v1/ns-first/planner/num_decode_workers")
        XCTAssertEqual(value3, "3")
        let same = try await coordinator.updateScalingDecision(prefill: 2, decode: 3)
        XCTAssertEqual(same, .unchanged)
        let onlyNil = try await coordinator.updateScalingDecision(prefill: nil, decode: nil)
        XCTAssertEqual(onlyNil, .unchanged)
        let value4 = try await value("v1/ns-first/planner/decision_id")
        XCTAssertEqual(value4, "0")
    }

    func testSkipsWhileUnacknowledgedThenForcesAfterMaxWait() async throws {
        let connector = try makeConnector("ns-skip", maxWait: 0.6)
        let coordinator = connector.coordinator
        let value5 = try await coordinator.updateScalingDecision(prefill: 1, decode: 1)
        XCTAssertEqual(value5, .written(decisionId: 0))
        let value6 = try await coordinator.updateScalingDecision(prefill: 2, decode: 1)
        XCTAssertEqual(value6, .skipped(pendingDecisionId: 0))
        let value7 = try await coordinator.updateScalingDecision(prefill: 3, decode: 1)
        XCTAssertEqual(value7, .skipped(pendingDecisionId: 0))
        let value8 = try await value("v1/ns-skip/planner/num_prefill_workers")
        XCTAssertEqual(value8, "1")
        try await Task.sleep(nanoseconds: 700_000_000)
        let value9 = try await coordinator.updateScalingDecision(prefill: 3, decode: 1)
        XCTAssertEqual(value9, .written(decisionId: 1))
        let value10 = try await value("v1/ns-skip/planner/num_prefill_workers")
        XCTAssertEqual(value10, "3")
        // Acknowledged: the next decision goes through at once.
        try await client.put("v1/ns-skip/planner/scaled_decision_id", "1")
        let value11 = try await coordinator.updateScalingDecision(prefill: 3, decode: 2)
        XCTAssertEqual(value11, .written(decisionId: 2))
    }

    func testAddRemoveStepByOneAndNeverBelowZero() async throws {
        let connector = try makeConnector("ns-step")
        try await connector.addComponent(.prefill, blocking: false)
        try await client.put("v1/ns-step/planner/scaled_decision_id", "0")
        try await connector.addComponent(.decode, blocking: false)
        try await client.put("v1/ns-step/planner/scaled_decision_id", "1")
        let value12 = try await connector.currentWorkerCounts()
        XCTAssertEqual(value12, WorkerCounts(prefill: 1, decode: 1))
        try await connector.removeComponent(.decode, blocking: false)
        try await client.put("v1/ns-step/planner/scaled_decision_id", "2")
        try await connector.removeComponent(.decode, blocking: false)  // already 0: no decision
        let value13 = try await connector.currentWorkerCounts()
        XCTAssertEqual(value13, WorkerCounts(prefill: 1, decode: 0))
        let value14 = try await value("v1/ns-step/planner/decision_id")
        XCTAssertEqual(value14, "2")
        // ±1 is relative to the count in etcd now, not to what this planner last wrote.
        try await client.put("v1/ns-step/planner/num_prefill_workers", "5")
        try await connector.addComponent(.prefill, blocking: false)
        let stepped = try await value("v1/ns-step/planner/num_prefill_workers")
        XCTAssertEqual(stepped, "6")
        do {
            try await connector.setComponentReplicas([], blocking: false)
            XCTFail("an empty target list must be an error")
        } catch let error as VirtualConnectorError {
            XCTAssertEqual(error, .emptyTargetList)
        }
        do {
            _ = try await connector.modelName(requested: nil)
            XCTFail("the model name is required")
        } catch let error as VirtualConnectorError {
            XCTAssertEqual(error, .modelNameRequired)
        }
        let value15 = try await connector.modelName(requested: "llama")
        XCTAssertEqual(value15, "llama")
    }

    func testBlockingCallReturnsOnAcknowledgement() async throws {
        let connector = try makeConnector("ns-block", maxWait: 20, check: 0.05)
        let environment = try VirtualConnectorClient(client: client, namespace: "ns-block")
        let acknowledger = Task {
            // Acknowledge only after the planner has been waiting a while.
            try await Task.sleep(nanoseconds: 400_000_000)
            let decision = try await environment.get()
            try await environment.complete(decision)
            return ContinuousClock.now
        }
        let started = ContinuousClock.now
        try await withTimeout(15, "blocking setComponentReplicas") {
            try await connector.setComponentReplicas([TargetReplica(component: .prefill, replicas: 4)], blocking: true)
        }
        let returned = ContinuousClock.now
        let acknowledged = try await acknowledger.value
        XCTAssertGreaterThanOrEqual(returned, acknowledged, "returned before the acknowledgement")
        XCTAssertLessThan(returned - started, .seconds(5))
        let value16 = try await value("v1/ns-block/planner/scaled_decision_id")
        XCTAssertEqual(value16, "0")
    }

    func testBlockingWaitGivesUpAfterMaxWait() async throws {
        let connector = try makeConnector("ns-giveup", maxWait: 0.5, check: 0.1)
        let started = ContinuousClock.now
        try await withTimeout(10, "wait without acknowledgement") {
            try await connector.setComponentReplicas([TargetReplica(component: .decode, replicas: 1)], blocking: true)
        }
        XCTAssertLessThan(ContinuousClock.now - started, .seconds(3))
        let value17 = try await connector.coordinator.waitForScalingCompletion()
        XCTAssertFalse(value17)
    }

    func testClientGetAndWaitWakeOnChange() async throws {
        let environment = try VirtualConnectorClient(client: client, namespace: "ns-wait")
        let value18 = try await environment.get()
        XCTAssertEqual(value18,
                       VirtualScalingDecision(numPrefillWorkers: -1, numDecodeWorkers: -1, decisionId: -1, scaledDecisionId: -1))
        let connector = try makeConnector("ns-wait")
        // A change made after get() but before wait() must still wake the waiter.
        let value19 = try await connector.coordinator.updateScalingDecision(prefill: 5, decode: 6)
        XCTAssertEqual(value19, .written(decisionId: 0))
        let woke = try await withTimeout(10, "client wait") { try await environment.wait(timeoutSeconds: 5) }
        XCTAssertTrue(woke)
        let decision = try await environment.get()
        XCTAssertEqual(decision, VirtualScalingDecision(numPrefillWorkers: 5, numDecodeWorkers: 6, decisionId: 0, scaledDecisionId: -1))
        // Nothing changes: wait times out instead of returning.
        let idle = try await withTimeout(10, "idle wait") { try await environment.wait(timeoutSeconds: 0.4) }
        XCTAssertFalse(idle)
        // A later change wakes a wait already in progress.
        let waiter = Task { try await environment.wait(timeoutSeconds: 8) }
        try await Task.sleep(nanoseconds: 200_000_000)
        try await environment.complete(decision)
        let wokeAgain = try await withTimeout(10, "wait in progress") { try await waiter.value }
        XCTAssertTrue(wokeAgain)
        let value20 = try await value("v1/ns-wait/planner/scaled_decision_id")
        XCTAssertEqual(value20, "0")
    }

    func testRestartedCoordinatorResumesDecisionId() async throws {
        let first = try makeConnector("ns-restart")
        let value21 = try await first.coordinator.updateScalingDecision(prefill: 1, decode: 1)
        XCTAssertEqual(value21, .written(decisionId: 0))
        try await client.put("v1/ns-restart/planner/scaled_decision_id", "0")
        let value22 = try await first.coordinator.updateScalingDecision(prefill: 2, decode: 1)
        XCTAssertEqual(value22, .written(decisionId: 1))
        try await client.put("v1/ns-restart/planner/scaled_decision_id", "1")
        let restarted = try makeConnector("ns-restart")
        let value23 = try await restarted.currentWorkerCounts()
        XCTAssertEqual(value23, WorkerCounts(prefill: 2, decode: 1))
        let value24 = try await restarted.coordinator.updateScalingDecision(prefill: 2, decode: 1)
        XCTAssertEqual(value24, .unchanged)
        let value25 = try await restarted.coordinator.updateScalingDecision(prefill: 2, decode: 2)
        XCTAssertEqual(value25, .written(decisionId: 2))
    }

    func testMalformedValuesFollowSpec() async throws {
        try await client.put("v1/ns-bad/planner/num_prefill_workers", "many")
        try await client.put("v1/ns-bad/planner/num_decode_workers", "3")
        try await client.put("v1/ns-bad/planner/decision_id", "x7")
        try await client.put("v1/ns-bad/planner/scaled_decision_id", "??")
        let connector = try makeConnector("ns-bad")
        // Unparsable counts read as 0, an unparsable decision_id as unset.
        let value26 = try await connector.currentWorkerCounts()
        XCTAssertEqual(value26, WorkerCounts(prefill: 0, decode: 3))
        let decisionId = await connector.coordinator.decisionId
        XCTAssertNil(decisionId)
        // No decision is pending, so waiting returns at once and the next decision is id 0.
        let value27 = try await connector.coordinator.waitForScalingCompletion()
        XCTAssertTrue(value27)
        let value28 = try await connector.coordinator.updateScalingDecision(prefill: 1, decode: nil)
        XCTAssertEqual(value28, .written(decisionId: 0))
        let value29 = try await value("v1/ns-bad/planner/decision_id")
        XCTAssertEqual(value29, "0")
        // The client reports unreadable values as missing (-1).
        try await client.put("v1/ns-bad/planner/num_decode_workers", "three")
        let seen = try await VirtualConnectorClient(client: client, namespace: "ns-bad").get()
        XCTAssertEqual(seen, VirtualScalingDecision(numPrefillWorkers: 1, numDecodeWorkers: -1, decisionId: 0, scaledDecisionId: -1))
    }
}
