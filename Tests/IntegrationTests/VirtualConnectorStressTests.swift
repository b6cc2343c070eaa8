import Connectors
import Foundation
import Logging
import PlannerCore
import XCTest

/// Many decisions against a concurrently acknowledging environment, on one member and on a
/// three-member cluster that loses the member the planner talks to.
final class VirtualConnectorStressTests: XCTestCase {
    /// The environment side: acknowledges every pending decision until stopped; returns the
    /// acknowledged ids in order.
    private func acknowledger(_ client: VirtualConnectorClient, stop: @escaping @Sendable () -> Bool) -> Task<[Int], Error> {
        Task {
            var acknowledged: [Int] = []
            while !stop() {
                do {
                    let decision = try await client.get()
                    if decision.isPending {
                        try await client.complete(decision)
                        acknowledged.append(decision.decisionId)
                        continue
                    }
                    _ = try await client.wait(timeoutSeconds: 0.5)
                } catch is EtcdError {
                    try await Task.sleep(nanoseconds: 50_000_000)  // a member is down: retry
                }
            }
            return acknowledged
        }
    }

    /// Writes `count` decisions, each changing the prefill count; returns the ids written and
    /// calls `afterDecision` with each id and the instant it was written.
    private func writeDecisions(_ coordinator: VirtualConnectorCoordinator, count: Int,
                                afterDecision: @Sendable (Int) -> Void = { _ in }) async throws -> [Int] {
        var written: [Int] = []
        var prefill = 1
        while written.count < count {
            let next = prefill % 9 + 1
            do {
                switch try await coordinator.updateScalingDecision(prefill: next, decode: 1) {
                case let .written(id):
                    written.append(id)
                    prefill = next
                    afterDecision(id)
                case .skipped:
                    try await Task.sleep(nanoseconds: 5_000_000)  // let the environment catch up
                case .unchanged, .notLeader:
                    XCTFail("unexpected outcome")
                    return written
                }
            } catch is EtcdError {
                try await Task.sleep(nanoseconds: 50_000_000)
            }
        }
        return written
    }

    func testThousandDecisionsAgainstAcknowledgingClient() async throws {
        let etcd = try await EtcdProcess.startSingle(for: self)
        let endpoints = try EtcdEndpoints([etcd.clientURL])
        var quiet = Logger(label: "stress")
        quiet.logLevel = .warning  // one info line per decision and skip would dominate the run
        let coordinator = try VirtualConnectorCoordinator(
            client: EtcdClient(endpoints: endpoints), namespace: "stress",
            timing: VirtualConnectorTiming(maxWaitSeconds: 60, checkIntervalSeconds: 0.01), logger: quiet)
        let environment = try VirtualConnectorClient(client: EtcdClient(endpoints: endpoints), namespace: "stress")
        let done = ManagedFlag()
        let acknowledging = acknowledger(environment, stop: { done.value })
        let started = ContinuousClock.now
        let written = try await withTimeout(60, "1,000 decisions") {
            try await self.writeDecisions(coordinator, count: 1000)
        }
        // The last decision must be acknowledged too.
        let acknowledgedLast = try await withTimeout(10, "last acknowledgement") {
            try await coordinator.waitForScalingCompletion()
        }
        done.set()
        let acknowledged = try await withTimeout(10, "acknowledger stop") { try await acknowledging.value }
        let elapsed = ContinuousClock.now - started
        print("1,000 decisions acknowledged in \(elapsed)")
        XCTAssertTrue(acknowledgedLast)
        XCTAssertEqual(written, Array(0..<1000), "ids must go 0, 1, 2, ... without gaps or repeats")
        // Never forced (max wait 60 s), so the environment acknowledged each decision, in order.
        XCTAssertEqual(acknowledged, written)
        XCTAssertEqual(acknowledged.last, 999)
    }

    func testDecisionsContinueWhenTheConnectedMemberDies() async throws {
        let cluster = try await EtcdProcess.startCluster(size: 3, for: self)
        let endpoints = try EtcdEndpoints(cluster.map(\.clientURL))
        let planner = EtcdClient(endpoints: endpoints, configuration: .init(requestTimeoutSeconds: 2))
        let coordinator = try VirtualConnectorCoordinator(
            client: planner, namespace: "cluster",
            timing: VirtualConnectorTiming(maxWaitSeconds: 60, checkIntervalSeconds: 0.01))
        let environment = try VirtualConnectorClient(client: EtcdClient(endpoints: endpoints), namespace: "cluster")
        let done = ManagedFlag()
        let acknowledging = acknowledger(environment, stop: { done.value })

        let before = try await withTimeout(30, "decisions before the kill") {
            try await self.writeDecisions(coordinator, count: 30)
        }
        let victim = planner.currentEndpoint
        guard let member = cluster.first(where: { $0.clientURL == victim }) else {
            return XCTFail("the planner talks to \(victim), which is not a member")
        }
        member.crash()
        let killedAt = ContinuousClock.now
        let firstAfterKill = InstantBox()
        let after = try await withTimeout(30, "decisions after the kill") {
            try await self.writeDecisions(coordinator, count: 30, afterDecision: { _ in firstAfterKill.setOnce() })
        }
        let recovery = try XCTUnwrap(firstAfterKill.value) - killedAt
        print("first decision \(recovery) after killing \(victim)")
        XCTAssertLessThan(recovery, .seconds(5), "decisions must continue within a few seconds")
        XCTAssertNotEqual(planner.currentEndpoint, victim, "the client must have failed over")
        XCTAssertEqual(before + after, Array(0..<60), "ids continue across the member's death")
        _ = try await withTimeout(10, "last acknowledgement") { try await coordinator.waitForScalingCompletion() }
        done.set()
        let acknowledged = try await withTimeout(10, "acknowledger stop") { try await acknowledging.value }
        XCTAssertEqual(acknowledged.last, 59)
    }
}

/// The first instant something happened, shared with a background task.
final class InstantBox: @unchecked Sendable {
    private let lock = NSLock()
    private var instant: ContinuousClock.Instant?
    var value: ContinuousClock.Instant? { lock.withLock { instant } }
    func setOnce() { lock.withLock { if instant == nil { instant = .now } } }
}

/// A thread-safe boolean the test and its background tasks share.
final class ManagedFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var flag = false
    var value: Bool { lock.withLock { flag } }
    func set() { lock.withLock { flag = true } }
}
