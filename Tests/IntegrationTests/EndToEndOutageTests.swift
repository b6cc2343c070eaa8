import Connectors
import Foundation
import PlannerCore
import PlannerIO
import XCTest

/// The live loop while its real dependencies die and come back: etcd is killed
/// for two intervals, then Prometheus. The loop must log and skip those
/// intervals, never trap or stall, and decide and apply again once they return.
final class EndToEndOutageTests: XCTestCase, PeerHolding {
    var etcd: EtcdProcess?
    var prometheus: PrometheusProcess?
    var frontends: [TestFrontend] = []

    override func tearDown() async throws {
        await stopPeers()
    }

    func testEtcdAndPrometheusOutagesAreSkippedAndRecovered() async throws {
        let namespace = "outage-\(UUID().uuidString.prefix(6).lowercased())"
        // A load that keeps changing, so decisions after the outages differ from before.
        let requests = TestFrontend.phases([(4, 5), (4, 20), (4, 40), (4, 80), (4, 160), (4, 80), (4, 40), (4, 20), (30, 10)],
                                           isl: 2000, osl: 200)
        let (started, p) = try await startLivePeers(namespace: namespace, requests: requests, model: "m")
        let e = try XCTUnwrap(started)

        let etcdClient = EtcdClient(endpoints: try EtcdEndpoints([e.clientURL]),
                                    configuration: EtcdClientConfiguration(requestTimeoutSeconds: 0.5, retryRounds: 1))
        // The environment acknowledges at once, so no decision waits on the previous one.
        let connector = try VirtualConnector(client: etcdClient, namespace: namespace,
                                             timing: VirtualConnectorTiming(maxWaitSeconds: 0.5, checkIntervalSeconds: 0.1))
        let environmentClient = try VirtualConnectorClient(client: EtcdClient(endpoints: try EtcdEndpoints([e.clientURL])),
                                                           namespace: namespace)
        let pool = EndToEndLivePlannerTests.SimulatedPool()
        let environment = Task { await pool.serve(environmentClient) }
        defer { environment.cancel() }

        var settings = PlannerSettings()
        settings.intervalSeconds = 2
        settings.maxGPUBudget = -1
        var predictor = LoadPredictorConfiguration()
        predictor.kind = .kalman
        let profile = try ProfileLoader.load(directory: LivePlannerTests.root.appendingPathComponent("data/profiles/h200_llama8b_tp1").path)
        let engine = try PlannerDecisionEngine(settings: settings, profile: profile, predictor: predictor)
        let metrics = try PrometheusQueryClient(endpoint: p.url, modelName: "m", namespace: namespace, timeoutSeconds: 1)
        let live = LivePlanner(engine: engine, metrics: metrics, connector: connector)
        let loop = Task { await live.run(maxIntervals: 13) }

        // Decisions at about 2, 4 s; etcd down over 6 and 8 s; Prometheus down over 14 and 16 s.
        try await Task.sleep(nanoseconds: 5_000_000_000)
        let appliedBeforeEtcdOutage = live.appliedDecisions
        e.crash()
        try await Task.sleep(nanoseconds: 4_000_000_000)
        try await e.restart()
        let skippedAfterEtcd = live.skippedIntervals
        // The connector may answer worker counts from its last read; then the decision is
        // made but cannot be written, which is logged and counted as not applied.
        let missedDuringEtcd = live.skippedIntervals + (live.decisions - live.appliedDecisions)
        try await Task.sleep(nanoseconds: 3_500_000_000)
        let appliedAfterEtcd = live.appliedDecisions
        p.crash()
        try await Task.sleep(nanoseconds: 4_000_000_000)
        try await p.restart()
        let skippedAfterPrometheus = live.skippedIntervals
        await loop.value

        XCTAssertGreaterThanOrEqual(appliedBeforeEtcdOutage, 1, "decisions before the outage")
        XCTAssertGreaterThanOrEqual(missedDuringEtcd, 1, "intervals without etcd are skipped or not applied")
        XCTAssertGreaterThan(appliedAfterEtcd, appliedBeforeEtcdOutage, "the connector works again after etcd returns")
        XCTAssertGreaterThan(skippedAfterPrometheus, skippedAfterEtcd, "intervals without Prometheus are skipped")
        XCTAssertGreaterThan(live.appliedDecisions, appliedAfterEtcd, "decisions resume after Prometheus returns")
        XCTAssertEqual(live.state.intervals + live.skippedIntervals, 13, "every interval ran: none stalled the loop")
        XCTAssertFalse(pool.all.isEmpty)
    }
}
