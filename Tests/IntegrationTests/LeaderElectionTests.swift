import Connectors
import Foundation
import PlannerCore
import XCTest

/// Two planners with leader election on one namespace: exactly one writes; when it dies the
/// other takes over within TTL + one interval and continues the decision ids.
final class LeaderElectionTests: XCTestCase {
    /// What one simulated planner did: (decision id, when) for each decision it wrote.
    final class PlannerLog: @unchecked Sendable {
        private let lock = NSLock()
        private var entries: [(id: Int, at: ContinuousClock.Instant)] = []
        private var standbyCount = 0
        func wrote(_ id: Int) { lock.withLock { entries.append((id, .now)) } }
        func standby() { lock.withLock { standbyCount += 1 } }
        var ids: [Int] { lock.withLock { entries.map(\.id) } }
        var firstWrite: ContinuousClock.Instant? { lock.withLock { entries.first?.at } }
        var standbys: Int { lock.withLock { standbyCount } }
    }

    /// A planner's live loop reduced to its connector calls: every interval, a new target.
    private func plannerLoop(_ connector: VirtualConnector, log: PlannerLog, intervalSeconds: Double,
                             seed: Int) -> Task<Void, Never> {
        Task {
            var step = seed
            while !Task.isCancelled {
                step += 1
                let targets = [TargetReplica(component: .prefill, replicas: step % 7 + 1),
                               TargetReplica(component: .decode, replicas: step % 5 + 1)]
                do {
                    switch try await connector.setReplicas(targets, blocking: false) {
                    case let .written(id): log.wrote(id)
                    case .notLeader: log.standby()
                    case .skipped, .unchanged: break
                    }
                } catch {
                    // etcd errors are the loop's to log and survive; cancellation ends the loop.
                }
                try? await Task.sleep(nanoseconds: UInt64(intervalSeconds * 1e9))
            }
        }
    }

    func testStandbyTakesOverWithinTTLAndContinuesIds() async throws {
        let etcd = try await EtcdProcess.startSingle(for: self)
        let endpoints = try EtcdEndpoints([etcd.clientURL])
        let ttl: Int64 = 2
        let interval = 0.2
        let timing = VirtualConnectorTiming(maxWaitSeconds: 60, checkIntervalSeconds: 0.05)
        let elections = try (0..<2).map { index in
            try LeaderElection(client: EtcdClient(endpoints: endpoints), namespace: "ha", ttlSeconds: ttl,
                               identity: "planner-\(index)", retryDelaySeconds: 0.2)
        }
        addTeardownBlock { elections.forEach { $0.abandon() } }
        let connectors = try elections.map {
            try VirtualConnector(client: EtcdClient(endpoints: endpoints), namespace: "ha", timing: timing,
                                 leaderElection: $0)
        }
        let logs = [PlannerLog(), PlannerLog()]
        elections.forEach { $0.start() }

        // The environment acknowledges everything.
        let environment = try VirtualConnectorClient(client: EtcdClient(endpoints: endpoints), namespace: "ha")
        let acknowledging = Task {
            while !Task.isCancelled {
                if let decision = try? await environment.get(), decision.isPending {
                    try? await environment.complete(decision)
                } else {
                    _ = try? await environment.wait(timeoutSeconds: 0.3)
                }
            }
        }
        let loops = (0..<2).map { plannerLoop(connectors[$0], log: logs[$0], intervalSeconds: interval, seed: $0 * 3) }
        addTeardownBlock { loops.forEach { $0.cancel() }; acknowledging.cancel() }

        // Let both run: exactly one leader, exactly one writer.
        try await Task.sleep(nanoseconds: 2_000_000_000)
        let leaders = elections.indices.filter { elections[$0].isLeader }
        XCTAssertEqual(leaders.count, 1, "exactly one leader")
        guard leaders.count == 1, let leader = leaders.first else { return }
        let standby = 1 - leader
        XCTAssertGreaterThan(logs[leader].ids.count, 3, "the leader writes decisions")
        XCTAssertEqual(logs[standby].ids, [], "the standby writes nothing")
        XCTAssertGreaterThan(logs[standby].standbys, 0, "the standby did try and was told it is not leader")
        let leaderName = try await elections[leader].currentLeader()
        XCTAssertEqual(leaderName, "planner-\(leader)")

        // Kill the leader: its loop stops and its lease is no longer kept alive (not revoked).
        loops[leader].cancel()
        elections[leader].abandon()
        let killedAt = ContinuousClock.now
        let idsBefore = logs[leader].ids

        let deadline = killedAt + .seconds(Double(ttl) + interval + 3)
        while logs[standby].firstWrite == nil && ContinuousClock.now < deadline {
            try await Task.sleep(nanoseconds: 50_000_000)
        }
        let takeover = try XCTUnwrap(logs[standby].firstWrite, "the standby never wrote") - killedAt
        print("standby wrote \(takeover) after the leader died (TTL \(ttl) s, interval \(interval) s)")
        // TTL + one interval, plus the time a write takes on a loaded test machine.
        XCTAssertLessThanOrEqual(takeover, .seconds(Double(ttl) + interval + 1))
        XCTAssertTrue(elections[standby].isLeader)
        try await Task.sleep(nanoseconds: 600_000_000)
        let idsAfter = logs[standby].ids
        XCTAssertFalse(idsAfter.isEmpty)
        // Ids continue from etcd: the new leader's first id follows the old leader's last one.
        XCTAssertEqual(idsAfter.first, (idsBefore.last ?? -1) + 1)
        let all = idsBefore + idsAfter
        XCTAssertEqual(all, Array(0..<all.count), "no id reused or skipped")
        let leaderNow = try await elections[standby].currentLeader()
        XCTAssertEqual(leaderNow, "planner-\(standby)")

        loops[standby].cancel()
        await elections[standby].resign()
        let afterResign = try await elections[standby].currentLeader()
        XCTAssertNil(afterResign, "resign deletes the leader key")
    }

    func testResignHandsOverWithoutWaitingForTTL() async throws {
        let etcd = try await EtcdProcess.startSingle(for: self)
        let endpoints = try EtcdEndpoints([etcd.clientURL])
        let first = try LeaderElection(client: EtcdClient(endpoints: endpoints), namespace: "resign",
                                       ttlSeconds: 30, identity: "a")
        let second = try LeaderElection(client: EtcdClient(endpoints: endpoints), namespace: "resign",
                                        ttlSeconds: 30, identity: "b")
        addTeardownBlock { first.abandon(); second.abandon() }
        try await withTimeout(10, "first campaign") { try await first.campaign() }
        second.start()
        try await Task.sleep(nanoseconds: 300_000_000)
        XCTAssertFalse(second.isLeader)
        let resignedAt = ContinuousClock.now
        await first.resign()
        try await withTimeout(10, "second campaign") { try await second.campaign() }
        // With a 30 s TTL, only the revoke (and the standby's watch) explains a quick hand-over.
        XCTAssertLessThan(ContinuousClock.now - resignedAt, .seconds(3))
        XCTAssertFalse(first.isLeader)
    }

    func testLeaderKeepsLeadershipWhenItsEtcdMemberDies() async throws {
        let cluster = try await EtcdProcess.startCluster(size: 3, for: self)
        let urls = cluster.map(\.clientURL)
        // Each planner prefers another member.
        let leaderClient = EtcdClient(endpoints: try EtcdEndpoints(urls))
        let standbyClient = EtcdClient(endpoints: try EtcdEndpoints([urls[1], urls[2], urls[0]]))
        let leader = try LeaderElection(client: leaderClient, namespace: "ha-cluster", ttlSeconds: 2,
                                        identity: "leader", retryDelaySeconds: 0.2)
        let standby = try LeaderElection(client: standbyClient, namespace: "ha-cluster", ttlSeconds: 2,
                                         identity: "standby", retryDelaySeconds: 0.2)
        addTeardownBlock { leader.abandon(); standby.abandon() }
        try await withTimeout(10, "first campaign") { try await leader.campaign() }
        standby.start()
        let connector = try VirtualConnector(client: leaderClient, namespace: "ha-cluster", leaderElection: leader)
        let before = try await connector.setReplicas([TargetReplica(component: .prefill, replicas: 1)], blocking: false)
        XCTAssertEqual(before, .written(decisionId: 0))

        cluster[0].crash()  // the member the leader talks to
        // Two TTLs: long enough for the lease to have expired had the renewals not failed over.
        try await Task.sleep(nanoseconds: 4_000_000_000)
        XCTAssertTrue(leader.isLeader, "renewals must fail over to the surviving members")
        XCTAssertFalse(standby.isLeader)
        let holder = try await standby.currentLeader()
        XCTAssertEqual(holder, "leader")
        try await leaderClient.put("v1/ha-cluster/planner/scaled_decision_id", "0")
        let after = try await connector.setReplicas([TargetReplica(component: .prefill, replicas: 2)], blocking: false)
        XCTAssertEqual(after, .written(decisionId: 1))
    }

    func testCampaignRetriesWhileEtcdIsDown() async throws {
        let server = try await EtcdProcess.startSingle(for: self)
        server.crash()
        let election = try LeaderElection(client: EtcdClient(endpoints: try EtcdEndpoints([server.clientURL])),
                                          namespace: "ha-down", ttlSeconds: 2, identity: "only", retryDelaySeconds: 0.2)
        addTeardownBlock { election.abandon() }
        election.start()
        try await Task.sleep(nanoseconds: 1_000_000_000)
        XCTAssertFalse(election.isLeader, "nobody leads while etcd is down")
        try await server.restart()
        try await withTimeout(10, "campaign after etcd came back") { try await election.campaign() }
        XCTAssertTrue(election.isLeader)
    }
}
