import Connectors
import Foundation
import XCTest

/// The virtual connector and leader election end to end through one etcd, for the secured
/// setups: each decision written once, seen once by the environment, acknowledged once.
enum VirtualConnectorRoundTrip {
    /// The planner side writes `decisions` decisions (waiting `pauseSeconds` before each, e.g.
    /// to let a token expire); the environment side waits, reads and completes each.
    static func run(planner: EtcdClient, environment: EtcdClient, namespace: String, decisions: Int,
                    pauseSeconds: Double = 0, file: StaticString = #filePath, line: UInt = #line) async throws {
        let coordinator = try VirtualConnectorCoordinator(
            client: planner, namespace: namespace, timing: VirtualConnectorTiming(maxWaitSeconds: 15, checkIntervalSeconds: 0.05))
        let side = try VirtualConnectorClient(client: environment, namespace: namespace)
        async let completed: [Int] = withTimeout(30 + Double(decisions) * pauseSeconds, "the environment side") {
            var ids: [Int] = []
            while ids.count < decisions {
                let decision = try await side.get()
                if decision.isPending {
                    ids.append(decision.decisionId)
                    try await side.complete(decision)
                    continue
                }
                _ = try await side.wait(timeoutSeconds: 5)
            }
            return ids
        }
        for index in 0..<decisions {
            if pauseSeconds > 0 { try await Task.sleep(nanoseconds: UInt64(pauseSeconds * 1e9)) }
            let outcome = try await coordinator.updateScalingDecision(prefill: index + 1, decode: 2 * index + 1)
            XCTAssertEqual(outcome, .written(decisionId: index), file: file, line: line)
            let acknowledged = try await coordinator.waitForScalingCompletion()
            XCTAssertTrue(acknowledged, "decision \(index) acknowledged", file: file, line: line)
        }
        let ids = try await completed
        XCTAssertEqual(ids, Array(0..<decisions), "every decision seen and completed once, in order", file: file, line: line)
        let scaled = try await planner.get("v1/\(namespace)/planner/scaled_decision_id")?.value
        XCTAssertEqual(scaled, String(decisions - 1), file: file, line: line)
    }

    /// Two planners campaign; the first leads, resigns, and the second takes over.
    static func leaderHandOver(_ a: EtcdClient, _ b: EtcdClient, namespace: String,
                               file: StaticString = #filePath, line: UInt = #line) async throws {
        let first = try LeaderElection(client: a, namespace: namespace, ttlSeconds: 2, retryDelaySeconds: 0.1)
        let second = try LeaderElection(client: b, namespace: namespace, ttlSeconds: 2, retryDelaySeconds: 0.1)
        try await withTimeout(15, "first campaign") { try await first.campaign() }
        second.start()
        try await Task.sleep(nanoseconds: 500_000_000)
        XCTAssertFalse(second.isLeader, "one leader at a time", file: file, line: line)
        await first.resign()
        try await withTimeout(15, "second campaign") { try await second.campaign() }
        let leader = try await second.currentLeader()
        XCTAssertEqual(leader, second.identity, file: file, line: line)
        await second.resign()
    }
}
