import Connectors
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import XCTest

/// `planner run --config run.yaml` in advisory mode as a process, against a real etcd and
/// Prometheus: decisions land under the advisory keys only, the control API (loopback)
/// answers state, PATCH and pause, /metrics carries the decision reason, and the HTML report
/// is written at exit.
final class EndToEndAdvisoryRunTests: XCTestCase, PeerHolding {
    var etcd: EtcdProcess?
    var prometheus: PrometheusProcess?
    var frontends: [TestFrontend] = []
    var planner: Process?
    var scratch: URL?

    override func tearDown() async throws {
        planner?.killIfRunning()
        await stopPeers()
        if let scratch { try? FileManager.default.removeItem(at: scratch) }
    }

    func http(_ method: String, _ url: String, body: String? = nil) async throws -> (Int, String) {
        var request = URLRequest(url: URL(string: url)!)
        request.httpMethod = method
        request.httpBody = body.map { Data($0.utf8) }
        let (data, response) = try await URLSession.shared.data(for: request)
        return ((response as? HTTPURLResponse)?.statusCode ?? 0, String(decoding: data, as: UTF8.self))
    }

    func testAdvisoryRunPublishesAdvisoryKeysAndAnswersTheControlAPI() async throws {
        try PlannerProcess.requireExecutable()
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("advisory-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        scratch = dir
        let namespace = "adv-\(UUID().uuidString.prefix(6).lowercased())"
        let (started, p) = try await startLivePeers(namespace: namespace,
                                                    requests: TestFrontend.phases([(300, 50)], isl: 2000, osl: 200))
        let e = try XCTUnwrap(started)

        let metricsPort = try ManagedProcess.freePort(), controlPort = try ManagedProcess.freePort()
        let report = dir.appendingPathComponent("run.html")
        let config = dir.appendingPathComponent("run.yaml")
        try """
        environment: virtual
        model_name: qwen-32b
        namespace: \(namespace)
        advisory: true
        throughput_adjustment_interval: 2
        load_predictor: constant
        max_gpu_budget: -1
        profile_results_dir: \(PlannerProcess.repositoryRoot.appendingPathComponent("Tests/Fixtures/profiles/h100_qwen32b_tp2").path)
        prefill_engine_num_gpu: 2
        decode_engine_num_gpu: 2
        metric_pulling_prometheus_endpoint: \(p.url)
        metric_reporting_prometheus_port: \(metricsPort)
        metric_reporting_host: 127.0.0.1
        control_api_port: \(controlPort)
        report: \(report.path)
        """.write(to: config, atomically: true, encoding: .utf8)

        let process = Process()
        process.executableURL = PlannerProcess.executable
        process.arguments = ["run", "--config", config.path]
        var environment = ProcessInfo.processInfo.environment
        environment["ETCD_ENDPOINTS"] = e.clientURL
        process.environment = environment
        let log = dir.appendingPathComponent("stderr")
        FileManager.default.createFile(atPath: log.path, contents: nil)
        process.standardError = try FileHandle(forWritingTo: log)
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        planner = process
        try await Task.sleep(nanoseconds: 6_000_000_000)

        let etcdClient = EtcdClient(endpoints: try EtcdEndpoints([e.clientURL]))
        let keys = try await etcdClient.getPrefix("v1/\(namespace)/planner/")
        let names = Set(keys.kvs.map(\.key))
        let stderrText = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
        XCTAssertTrue(names.contains("v1/\(namespace)/planner/advisory/num_prefill_workers"), "\(names) \(stderrText)")
        XCTAssertTrue(names.contains("v1/\(namespace)/planner/advisory/reason"))
        XCTAssertFalse(names.contains("v1/\(namespace)/planner/decision_id"), "advisory never writes a decision")

        let base = "http://127.0.0.1:\(controlPort)"
        let (stateStatus, state) = try await http("GET", base + "/v1/state")
        XCTAssertEqual(stateStatus, 200)
        XCTAssertTrue(state.contains("\"reason\": \"scale_up\"") || state.contains("\"reason\": \"hold\""), state)
        let (patchStatus, _) = try await http("PATCH", base + "/v1/min-endpoints", body: #"{"decode_min_endpoint": 2}"#)
        XCTAssertEqual(patchStatus, 200)
        let (badStatus, bad) = try await http("PATCH", base + "/v1/min-endpoints", body: #"{"decode_min_endpoint": -1}"#)
        XCTAssertEqual(badStatus, 400, bad)
        let (pauseStatus, _) = try await http("POST", base + "/v1/pause")
        XCTAssertEqual(pauseStatus, 200)
        try await Task.sleep(nanoseconds: 3_000_000_000)  // one more interval: the limits apply, the pause shows
        let (_, pausedState) = try await http("GET", base + "/v1/state")
        XCTAssertTrue(pausedState.contains("\"reason\": \"paused\""), pausedState)
        XCTAssertTrue(pausedState.contains("\"decode_min_endpoint\": 2"), pausedState)

        let (metricsStatus, metrics) = try await http("GET", "http://127.0.0.1:\(metricsPort)/metrics")
        XCTAssertEqual(metricsStatus, 200)
        XCTAssertTrue(metrics.contains("dynamo_planner_decision_reason{dynamo_planner_decision_reason="), metrics)
        XCTAssertTrue(metrics.contains("dynamo_planner_advisory 1"), metrics)

        let exited = await process.terminateAndWait(seconds: 10)
        XCTAssertTrue(exited)
        XCTAssertEqual(process.terminationStatus, 0)
        let html = try String(contentsOf: report, encoding: .utf8)
        XCTAssertTrue(html.contains("Planner run report"))
        XCTAssertTrue(html.contains("TTFT: observed vs estimated"))
        let finalLog = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
        XCTAssertTrue(finalLog.contains("advisory decision"), finalLog)
        XCTAssertTrue(finalLog.contains("runtime limits changed"), finalLog)
    }
}
