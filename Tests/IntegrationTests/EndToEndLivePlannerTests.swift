import Connectors
import Foundation
import PlannerCore
import PlannerIO
import XCTest

/// The whole live path with real processes: Prometheus scrapes a frontend that
/// replays a low → high → low trace in compressed time; the live planner reads
/// it, decides on the shared engine and writes to a real etcd through the
/// VirtualConnector; an in-process environment client scales a simulated
/// worker pool and acknowledges; Prometheus also scrapes the planner's /metrics.
final class EndToEndLivePlannerTests: XCTestCase {
    var etcd: EtcdProcess?
    var prometheus: PrometheusProcess?
    var frontend: TestFrontend?
    var plannerMetrics: LoopbackHTTPServer?

    override func tearDown() async throws {
        prometheus?.kill()
        etcd?.kill()
        await frontend?.stop()
        await plannerMetrics?.stop()
    }

    /// The environment's side: applies each decision to the pool, then acknowledges it.
    final class SimulatedPool: @unchecked Sendable {
        let lock = NSLock()
        private(set) var history: [WorkerCounts] = []
        var last: WorkerCounts? { lock.withLock { history.last } }
        var all: [WorkerCounts] { lock.withLock { history } }

        func serve(_ client: VirtualConnectorClient) async {
            var acknowledged = -1
            while !Task.isCancelled {
                _ = try? await client.wait(timeoutSeconds: 0.5)
                guard let d = try? await client.get(), d.decisionId > acknowledged else { continue }
                lock.withLock {
                    history.append(WorkerCounts(prefill: max(0, d.numPrefillWorkers), decode: max(0, d.numDecodeWorkers)))
                }
                if (try? await client.complete(d)) != nil { acknowledged = d.decisionId }
            }
        }
    }

    func testReplicasFollowTheReplayedLoadAndPlannerMetricsAreScraped() async throws {
        try PrometheusProcess.requireInstalled()
        try EtcdProcess.requireInstalled()
        let namespace = "e2e-\(UUID().uuidString.prefix(6).lowercased())"
        let model = "Llama-3.1-8B"
        let intervalSeconds = 3
        // Trace time runs 5× faster than real time: 60 s quiet, 75 s busy, 75 s quiet
        // become 12 s, 15 s and 15 s, i.e. about 4, 5 and 5 planner intervals.
        let requests = TestFrontend.phases([(60, 2), (75, 60), (75, 2)], isl: 3000, osl: 300)
        let f = TestFrontend(requests: requests, model: model, namespace: namespace, speedup: 5)
        frontend = f

        let e = try await EtcdProcess.startSingle()
        etcd = e
        let reporter = PlannerMetricsReporter()
        let metricsServer = try await reporter.serve(host: "127.0.0.1", port: 0)
        plannerMetrics = metricsServer
        let frontendServer = try await f.start()
        let p = try await PrometheusProcess.start(targets: ["frontend": "127.0.0.1:\(frontendServer.port)",
                                                           "planner": "127.0.0.1:\(metricsServer.port)"])
        prometheus = p

        let etcdClient = EtcdClient(endpoints: try EtcdEndpoints([e.clientURL]))
        let connector = try VirtualConnector(client: etcdClient, namespace: namespace,
                                             timing: VirtualConnectorTiming(maxWaitSeconds: 2, checkIntervalSeconds: 0.2))
        let pool = SimulatedPool()
        let environmentClient = try VirtualConnectorClient(client: EtcdClient(endpoints: try EtcdEndpoints([e.clientURL])),
                                                           namespace: namespace)
        let environment = Task { await pool.serve(environmentClient) }
        defer { environment.cancel() }

        var settings = PlannerSettings()
        settings.intervalSeconds = intervalSeconds
        settings.maxGPUBudget = 32
        var predictor = LoadPredictorConfiguration()
        predictor.kind = .arima
        let profile = try ProfileLoader.load(directory: LivePlannerTests.root.appendingPathComponent("data/profiles/h200_llama8b_tp1").path)
        let engine = try PlannerDecisionEngine(settings: settings, profile: profile, predictor: predictor)
        let metrics = try PrometheusQueryClient(endpoint: p.url, modelName: model.lowercased(), namespace: namespace,
                                                timeoutSeconds: 2)
        let live = LivePlanner(engine: engine, metrics: metrics, connector: connector, sink: reporter)
        // 14 intervals ≈ 42 s: the whole replay.
        await live.run(maxIntervals: 14)

        try await Task.sleep(nanoseconds: 1_500_000_000)
        let history = pool.all
        XCTAssertGreaterThanOrEqual(history.count, 3, "the environment applied decisions: \(history)")
        let prefill = history.map(\.prefill), decode = history.map(\.decode)
        let peakP = prefill.max() ?? 0, peakD = decode.max() ?? 0
        XCTAssertGreaterThan(peakP, prefill.first ?? 0, "prefill rises with the load: \(history)")
        XCTAssertGreaterThan(peakD, decode.first ?? 0, "decode rises with the load: \(history)")
        XCTAssertLessThan(prefill.last ?? 0, peakP, "prefill falls after the burst: \(history)")
        XCTAssertLessThan(decode.last ?? 0, peakD, "decode falls after the burst: \(history)")
        let counts = try await connector.currentWorkerCounts()
        XCTAssertEqual(counts, history.last, "etcd holds the last decision the pool applied")

        // Prometheus scraped the planner's own gauges.
        let scraped = try await p.waitForSamples("max_over_time(planner:predicted_num_p{job=\"planner\"}[2m])")
        XCTAssertEqual(scraped.first?.value ?? 0, Double(peakP), accuracy: 0.5)
        let gpuHours = try await p.waitForSamples("planner:gpu_hours{job=\"planner\"}")
        XCTAssertGreaterThan(gpuHours.first?.value ?? 0, 0)
    }
}
