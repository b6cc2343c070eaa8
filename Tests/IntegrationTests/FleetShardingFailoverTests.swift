import Connectors
import Foundation
import PlannerCore
import XCTest

/// Three planner replicas sharing a fleet through etcd leases: each plans only
/// the deployments rendezvous hashing gives it among the live replicas. One
/// crashes (stops renewing, no revoke); within TTL + one interval the other two
/// plan all of its deployments, and no deployment is ever planned by two.
final class FleetShardingFailoverTests: XCTestCase {
    final class Record: @unchecked Sendable {
        private let lock = NSLock()
        private var entries: [(replica: String, at: Double, owned: Set<String>)] = []
        func add(_ replica: String, _ owned: [String]) {
            let now = Double(DispatchTime.now().uptimeNanoseconds) / 1e9
            lock.withLock { entries.append((replica, now, Set(owned))) }
        }
        var all: [(replica: String, at: Double, owned: Set<String>)] { lock.withLock { entries } }
    }

    func testCrashedReplicasDeploymentsMoveWithinTTLAndNoneIsPlannedTwice() async throws {
        let etcd = try await EtcdProcess.startSingle(for: self)
        let endpoints = try EtcdEndpoints([etcd.clientURL])
        let deployments = (0..<60).map { "ns-\($0)" }
        let ttl: Int64 = 2, interval = 0.25
        let registries = try ["r0", "r1", "r2"].map {
            try FleetReplicaRegistry(client: EtcdClient(endpoints: endpoints), fleet: "bench", replicaID: $0, ttlSeconds: ttl)
        }
        let record = Record()
        let loops = registries.map { registry in
            Task {
                while !Task.isCancelled {
                    do {
                        try await registry.heartbeat()
                        record.add(registry.replicaID, try await registry.ownedDeployments(deployments))
                    } catch {}
                    try? await Task.sleep(nanoseconds: UInt64(interval * 1e9))
                }
            }
        }
        defer { loops.forEach { $0.cancel() } }
        // Steady state: every replica sees all three.
        try await Task.sleep(nanoseconds: 2_000_000_000)
        let steadyAt = Double(DispatchTime.now().uptimeNanoseconds) / 1e9
        let live = try await registries[0].liveReplicas()
        XCTAssertEqual(live, ["r0", "r1", "r2"])
        let lost = Set(FleetSharding.owned(by: "r2", of: deployments, among: live))
        XCTAssertFalse(lost.isEmpty)

        loops[2].cancel() // a crash: the lease is neither renewed nor revoked
        let crashedAt = Double(DispatchTime.now().uptimeNanoseconds) / 1e9
        try await Task.sleep(nanoseconds: UInt64((Double(ttl) + 3 * interval + 1.5) * 1e9))
        let after = record.all.filter { $0.replica != "r2" && $0.at > crashedAt }

        // Taken over: the first moment r0 and r1 together own everything again.
        var latest: [String: (at: Double, owned: Set<String>)] = [:]
        var coveredAt: Double?
        for e in after.sorted(by: { $0.at < $1.at }) {
            latest[e.replica] = (e.at, e.owned)
            if coveredAt == nil, latest.count == 2, latest.values.reduce(Set<String>(), { $0.union($1.owned) }) == Set(deployments) {
                coveredAt = e.at
            }
        }
        let takeover = try XCTUnwrap(coveredAt, "r0 and r1 never covered the fleet") - crashedAt
        XCTAssertLessThanOrEqual(takeover, Double(ttl) + interval + 1.0, "takeover within TTL + one interval (+1 s etcd expiry slack)")

        // Never planned twice once all had joined (a join can overlap for one interval; the
        // decision-id transactions guard that case): records of different replicas taken
        // within one interval are disjoint, across the crash too.
        let everything = record.all.filter { $0.at > steadyAt }
        for a in everything {
            for b in everything where b.replica > a.replica && abs(b.at - a.at) < interval {
                XCTAssertTrue(a.owned.isDisjoint(with: b.owned), "\(a.replica) and \(b.replica) both planned \(a.owned.intersection(b.owned))")
            }
        }
        // Nothing of r0's or r1's moved: only r2's deployments changed hands.
        let r0Before = Set(FleetSharding.owned(by: "r0", of: deployments, among: live))
        XCTAssertTrue(r0Before.isSubset(of: latest["r0"]?.owned ?? []))
        XCTAssertEqual((latest["r0"]?.owned ?? []).union(latest["r1"]?.owned ?? []).intersection(lost), lost)
        for r in registries.prefix(2) { await r.leave() }
    }
}
