import Connectors
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import XCTest

/// `planner run --environment virtual` as a process: flags and environment
/// variables wired, decisions written to a real etcd from a real Prometheus,
/// its /metrics served, and SIGTERM ending it cleanly between intervals.
final class EndToEndRunCommandTests: XCTestCase, PeerHolding {
    var etcd: EtcdProcess?
    var prometheus: PrometheusProcess?
    var frontends: [TestFrontend] = []
    var planner: Process?

    override func tearDown() async throws {
        planner?.killIfRunning()
        await stopPeers()
    }

    static var binary: URL { LivePlannerTests.root.appendingPathComponent(".build/debug/planner") }

    func testRunCommandDecidesIntoEtcdServesMetricsAndStopsOnSIGTERM() async throws {
        try PlannerProcess.requireExecutable()
        let namespace = "cli-\(UUID().uuidString.prefix(6).lowercased())"
        let (started, p) = try await startLivePeers(namespace: namespace,
                                                    requests: TestFrontend.phases([(300, 50)], isl: 2000, osl: 200))
        let e = try XCTUnwrap(started)

        let metricsPort = try ManagedProcess.freePort()
        let process = Process()
        process.executableURL = Self.binary
        process.arguments = [
            "run", "--environment", "virtual", "--model-name", "qwen-32b", "--adjustment-interval", "2",
            "--load-predictor", "constant", "--max-gpu-budget=-1",
            "--profile-results-dir", LivePlannerTests.root.appendingPathComponent("Tests/Fixtures/profiles/h100_qwen32b_tp2").path,
            "--prefill-engine-num-gpu", "2", "--decode-engine-num-gpu", "2",
        ]
        var environment = ProcessInfo.processInfo.environment
        environment["ETCD_ENDPOINTS"] = e.clientURL
        environment["PROMETHEUS_ENDPOINT"] = p.url
        environment["DYN_NAMESPACE"] = namespace
        environment["PLANNER_PROMETHEUS_PORT"] = String(metricsPort)
        environment["SCALING_MAX_WAIT_TIME"] = "1"
        environment["SCALING_CHECK_INTERVAL"] = "0.2"
        process.environment = environment
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        planner = process

        // Two intervals plus start-up.
        try await Task.sleep(nanoseconds: 6_000_000_000)
        let client = try VirtualConnectorClient(client: EtcdClient(endpoints: try EtcdEndpoints([e.clientURL])), namespace: namespace)
        let decision = try await client.get()
        XCTAssertGreaterThanOrEqual(decision.decisionId, 0, "the planner wrote a decision to etcd")
        XCTAssertGreaterThanOrEqual(decision.numPrefillWorkers, 1)
        XCTAssertGreaterThanOrEqual(decision.numDecodeWorkers, 1)

        let (body, response) = try await URLSession.shared.data(from: URL(string: "http://127.0.0.1:\(metricsPort)/metrics")!)
        XCTAssertEqual((response as? HTTPURLResponse)?.statusCode, 200)
        let text = String(decoding: body, as: UTF8.self)
        XCTAssertTrue(text.contains("planner:predicted_num_p "), text)
        // Prometheus' increase() ratio is not exact (79.99999999999996 was seen): compare numerically.
        let ttft = text.split(separator: "\n").first { $0.hasPrefix("planner:observed_ttft ") }
            .flatMap { Double($0.split(separator: " ").last ?? "") }
        XCTAssertEqual(ttft ?? -1, 80, accuracy: 1e-6, "the frontend's 80 ms TTFT reached the gauge: \(text)")

        let stopAsked = Date()
        let exited = await process.terminateAndWait(seconds: 10)
        XCTAssertTrue(exited, "SIGTERM must end the planner")
        XCTAssertLessThan(Date().timeIntervalSince(stopAsked), 5)
        XCTAssertEqual(process.terminationReason, .exit, "a clean exit, not death by the signal")
        XCTAssertEqual(process.terminationStatus, 0)
        let log = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        XCTAssertTrue(log.contains("live planner stopped"), log)
        XCTAssertTrue(log.contains("num_p="), "one structured line per decision: \(log)")
    }
}
