import Connectors
import Foundation
@testable import PlannerCore
import PlannerIO
import XCTest

/// Issue 15's failover test, counted in etcd: three fleet planners (`FleetPlanner.run`
/// with `FleetVirtualConnector`, `FleetReplicaRegistry` leases) share 24 deployments on a
/// real etcd; one is killed mid-interval (no revoke). An environment watches every
/// `decision_id` write and acknowledges it. Counting the writes per deployment and
/// per interval: no decision id is written twice, no interval of any deployment goes
/// without its decision except the killed replica's deployments during the hand-over,
/// which lasts at most lease TTL + one interval.
final class FleetFailoverDecisionCountTests: XCTestCase {
    /// One `decision_id` write as the environment saw it.
    struct Write: Equatable {
        var namespace: String
        var id: Int
        var at: Double
    }

    /// The environment of every namespace: records each decision and acknowledges it
    /// (`scaled_decision_id`), so the next interval's decision is never held back.
    final class Environment: @unchecked Sendable {
        private let lock = NSLock()
        private var log: [Write] = []
        var writes: [Write] { lock.withLock { log } }

        func run(_ client: EtcdClient, from revision: Int64) async {
            var after = revision
            while !Task.isCancelled {
                guard let result = try? await client.waitForChange(key: "v1/", prefix: true, afterRevision: after,
                                                                   timeoutSeconds: 0.5) else { continue }
                let now = FleetPlanner.nowSeconds()
                for e in result.events {
                    after = max(after, e.keyValue.modRevision)
                    let parts = e.keyValue.key.split(separator: "/")
                    guard e.kind == .put, parts.count == 4, parts[2] == "planner", parts[3] == "decision_id",
                          let id = Int(e.keyValue.value) else { continue }
                    lock.withLock { log.append(Write(namespace: String(parts[1]), id: id, at: now)) }
                    _ = try? await client.put("v1/\(parts[1])/planner/scaled_decision_id", String(id))
                }
            }
        }
    }

    /// A clock whose intervals all replicas share: deadlines start + k·interval from one `start`.
    struct SharedClock: LiveClock {
        var start: Double
        var scale: Double
        func nowSeconds() -> Double { (FleetPlanner.nowSeconds() - start) / scale }
        func sleep(untilSeconds t: Double) async {
            let wait = (t - nowSeconds()) * scale
            if wait > 0 { try? await Task.sleep(nanoseconds: UInt64(wait * 1e9)) }
        }
    }

    func member(_ name: String, client: EtcdClient) throws -> FleetMember {
        var s = PlannerSettings()
        s.intervalSeconds = 1
        s.maxGPUBudget = -1
        var p = LoadPredictorConfiguration()
        p.kind = .constant
        let profile = try ProfileLoader.load(directory: LivePlannerTests.root.appendingPathComponent("data/profiles/h200_llama8b_tp1").path)
        return FleetMember(name: name, engine: try PlannerDecisionEngine(settings: s, profile: profile, predictor: p),
                           connector: try VirtualConnector(client: client, namespace: name))
    }

    func testKilledReplicasDeploymentsAreDecidedOnceEveryIntervalAfterTheHandOver() async throws {
        let etcd = try await EtcdProcess.startSingle(for: self)
        let endpoints = try EtcdEndpoints([etcd.clientURL])
        let tag = UUID().uuidString.prefix(6).lowercased()
        let names = (0..<24).map { "c\($0)-\(tag)" }
        // Real seconds per planner interval (the planner's interval is 1 "second" of the shared clock).
        let interval = 0.8, ttl: Int64 = 2
        let replicas = ["r0", "r1", "r2"]
        let observer = EtcdClient(endpoints: endpoints)
        let startRevision = try await observer.put("v1/fleet-test-\(tag)", "start")
        let environment = Environment()
        let watcher = Task { await environment.run(observer, from: startRevision) }
        defer { watcher.cancel() }

        var registries: [FleetReplicaRegistry] = []
        var planners: [FleetPlanner] = []
        for r in replicas {
            let client = EtcdClient(endpoints: endpoints)
            let registry = try FleetReplicaRegistry(client: client, fleet: "count-\(tag)", replicaID: r, ttlSeconds: ttl)
            try await registry.heartbeat()
            registries.append(registry)
            let members = try names.map { try member($0, client: client) }
            let connector = try FleetVirtualConnector(client: client, namespaces: names,
                                                      timing: VirtualConnectorTiming(maxWaitSeconds: 600, checkIntervalSeconds: 0.1))
            planners.append(FleetPlanner(members: members, maxTotalGPUs: -1, minTotalGPUs: -1, connector: connector))
        }
        let heartbeats = registries.map { registry in
            Task {
                while !Task.isCancelled {
                    try? await registry.heartbeat()
                    try? await Task.sleep(nanoseconds: UInt64(Double(ttl) / 3 * 1e9))
                }
            }
        }
        defer { heartbeats.forEach { $0.cancel() } }
        let live = try await registries[0].liveReplicas()
        XCTAssertEqual(live, replicas)

        // Load alternates every interval, so every interval's decision differs from the last
        // and is written: a deployment without a write in an interval was not decided.
        let clock = SharedClock(start: FleetPlanner.nowSeconds(), scale: interval)
        let intervals = 14, killAfter = 5.5
        let loops = zip(planners, registries).map { planner, registry in
            Task {
                await planner.run(intervalSeconds: 1, maxIntervals: intervals, clock: clock, owned: {
                    Set(try await registry.ownedDeployments(names))
                }) { _ in
                    let k = Int(clock.nowSeconds().rounded())
                    let load = k % 2 == 0 ? LivePlannerTests.busy : LivePlannerTests.quiet
                    return Dictionary(uniqueKeysWithValues: names.map { ($0, load) })
                }
            }
        }
        // Kill r2 in the middle of an interval: its loop and its lease renewals stop, the lease is not revoked.
        try await Task.sleep(nanoseconds: UInt64(killAfter * interval * 1e9))
        planners[2].requestStop()
        loops[2].cancel()
        heartbeats[2].cancel()
        let killedAt = clock.nowSeconds()
        let lost = Set(FleetSharding.owned(by: "r2", of: names, among: replicas))
        XCTAssertFalse(lost.isEmpty)
        for loop in loops.prefix(2) { await loop.value }
        try await Task.sleep(nanoseconds: 500_000_000) // the environment sees the last writes
        let writes = environment.writes

        // Per deployment: ids 0, 1, 2, … each written exactly once (none twice, none skipped).
        for ns in names {
            let ids = writes.filter { $0.namespace == ns }.map(\.id)
            XCTAssertEqual(ids, Array(0..<ids.count), "\(ns): decision ids written \(ids)")
        }
        // Per deployment and interval k (decided at shared time k, seen within the interval).
        func count(_ ns: String, _ k: Int) -> Int {
            writes.filter { w in w.namespace == ns && Int(((w.at - clock.start) / interval).rounded(.down)) == k }.count
        }
        let lastInterval = intervals
        for ns in names {
            for k in 1...lastInterval {
                let n = count(ns, k)
                XCTAssertLessThanOrEqual(n, 1, "\(ns) decided \(n) times in interval \(k)")
                let handOver = lost.contains(ns) && Double(k) > killedAt && Double(k) <= killedAt + Double(ttl) / interval + 1
                if !handOver { XCTAssertEqual(n, 1, "\(ns) not decided in interval \(k) (r2 killed at \(killedAt))") }
            }
            if lost.contains(ns) {
                // Hand-over: the first decision after the kill comes within TTL + one interval.
                let after = writes.filter { $0.namespace == ns && ($0.at - clock.start) / interval > killedAt }.map(\.at)
                let first = try XCTUnwrap(after.min(), "\(ns) never decided after r2 was killed")
                let gap = first - (clock.start + killedAt * interval)
                XCTAssertLessThanOrEqual(gap, Double(ttl) + interval + 0.5, "\(ns) handed over within TTL + one interval")
            }
        }
        // Every decision counted: intervals × deployments minus the hand-over gaps, no more.
        let expectedAtLeast = names.count * lastInterval - lost.count * (Int(Double(ttl) / interval) + 2)
        XCTAssertGreaterThanOrEqual(writes.count, expectedAtLeast)
        XCTAssertLessThanOrEqual(writes.count, names.count * lastInterval)
        for r in registries.prefix(2) { await r.leave() }
    }
}
