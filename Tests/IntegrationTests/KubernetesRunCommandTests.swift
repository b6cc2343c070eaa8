import Connectors
import Foundation
import KubernetesTestSupport
import XCTest

/// `planner run --environment kubernetes` as a process against the Kubernetes
/// API test server (delayed operator): it reads the DGD, takes GPUs per worker
/// from its resources, waits while the DGD is not Ready, scales through the
/// scaling adapters' scale subresource, and exits 0 on SIGTERM.
final class KubernetesRunCommandTests: XCTestCase, PeerHolding {
    var api: KubernetesTestServer?
    var etcd: EtcdProcess?
    var prometheus: PrometheusProcess?
    var frontends: [TestFrontend] = []
    var planner: Process?
    var scratch: URL?

    override func tearDown() async throws {
        planner?.killIfRunning()
        await stopPeers()
        await api?.stop()
        if let scratch { try? FileManager.default.removeItem(at: scratch) }
    }

    static let args = ["python3 -m dynamo.vllm --model Qwen/Qwen3-32B --served-model-name Qwen-32B"]

    func startAPI(gpus: Int?, prefill: Int = 6, decode: Int = 6) async throws -> (KubernetesTestServer, [String: String]) {
        let server = KubernetesTestServer(services: [
            "Frontend": KubernetesTestServer.service(nil, replicas: 1),
            "VllmPrefillWorker": KubernetesTestServer.service("prefill", replicas: prefill, gpus: gpus, args: Self.args),
            "VllmDecodeWorker": KubernetesTestServer.service("decode", replicas: decode, gpus: gpus, args: Self.args),
        ], adapters: ["VllmPrefillWorker", "VllmDecodeWorker"], timing: OperatorTiming(reactionSeconds: 0.3, stepSeconds: 0.2))
        api = server
        let url = try await server.start()
        let dir = try ManagedProcess.scratchDirectory(prefix: "planner-k8s")
        scratch = dir
        let kubeconfig = try KubernetesTestServer.writeKubeconfig(server: url, namespace: "prod", in: dir)
        var environment = ProcessInfo.processInfo.environment
        environment["KUBERNETES_SERVICE_HOST"] = nil
        environment["KUBECONFIG"] = kubeconfig
        environment["DYN_PARENT_DGD_K8S_NAME"] = "llama"
        environment["PLANNER_PROMETHEUS_PORT"] = nil
        return (server, environment)
    }

    func launch(_ arguments: [String], environment: [String: String]) throws -> (Process, URL) {
        try PlannerProcess.requireExecutable()
        let log = (scratch ?? FileManager.default.temporaryDirectory).appendingPathComponent("stderr-\(UUID().uuidString.prefix(6))")
        FileManager.default.createFile(atPath: log.path, contents: nil)
        let process = Process()
        process.executableURL = PlannerProcess.executable
        process.currentDirectoryURL = PlannerProcess.repositoryRoot
        process.arguments = arguments
        process.environment = environment
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = FileHandle.nullDevice
        process.standardError = try FileHandle(forWritingTo: log)
        try process.run()
        planner = process
        return (process, log)
    }

    func text(_ url: URL) -> String { (try? String(contentsOf: url, encoding: .utf8)) ?? "" }

    /// Everything the planners of this test wrote on stderr.
    func logs() -> String {
        guard let dir = scratch else { return "" }
        let names = (try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []
        return names.filter { $0.hasPrefix("stderr") }.sorted().map { text(dir.appendingPathComponent($0)) }.joined()
    }

    struct NeverHappened: Error, CustomStringConvertible {
        var description: String
    }

    func waitFor(_ what: String, timeout: Double, _ condition: () -> Bool) async throws {
        let deadline = Date().addingTimeInterval(timeout)
        while !condition() {
            guard Date() < deadline else { throw NeverHappened(description: "within \(Int(timeout)) s: \(what)\n\(logs())") }
            try await Task.sleep(nanoseconds: 100_000_000)
        }
    }

    /// SIGTERM, then the exit: status 0 by exit, not by the signal, within 5 s.
    func stop(_ process: Process, file: StaticString = #filePath, line: UInt = #line) async {
        let exited = await process.terminateAndWait(seconds: 5)
        XCTAssertTrue(exited, "SIGTERM must end the planner within 5 s", file: file, line: line)
        guard exited else { return }
        XCTAssertEqual(process.terminationReason, .exit, "a clean exit, not death by the signal", file: file, line: line)
        XCTAssertEqual(process.terminationStatus, 0, file: file, line: line)
    }

    var profile: String { PlannerProcess.repositoryRoot.appendingPathComponent("Tests/Fixtures/profiles/h100_qwen32b_tp2").path }

    func testRunWaitsForReadinessThenScalesThroughTheScaleSubresource() async throws {
        let namespace = "k8s-\(UUID().uuidString.prefix(6).lowercased())"
        let (_, p) = try await startLivePeers(namespace: namespace, requests: TestFrontend.phases([(300, 50)], isl: 2000, osl: 200),
                                              withEtcd: false)

        let (server, baseEnvironment) = try await startAPI(gpus: 2)
        server.setMaxSchedulable("VllmDecodeWorker", 5)
        XCTAssertFalse(server.isReady, "one decode pod cannot be scheduled")
        var environment = baseEnvironment
        environment["PROMETHEUS_ENDPOINT"] = p.url
        environment["DYN_NAMESPACE"] = namespace
        let (process, log) = try launch([
            "run", "--environment", "kubernetes", "--backend", "vllm", "--adjustment-interval", "2",
            "--load-predictor", "constant", "--max-gpu-budget=-1", "--profile-results-dir", profile,
            "--kubernetes-poll-interval", "0.2",
        ], environment: environment)

        try await waitFor("the planner waits for readiness", timeout: 20) { text(log).contains("waiting for the deployment") }
        try await Task.sleep(nanoseconds: 2_000_000_000)
        XCTAssertTrue(server.patches().isEmpty, "nothing is scaled while the DGD is not Ready: \(text(log))")
        let startup = text(log)
        XCTAssertTrue(startup.contains("prefill 2 from spec.services.VllmPrefillWorker.resources.limits.gpu"), startup)
        XCTAssertTrue(startup.contains("decode 2 from spec.services.VllmDecodeWorker.resources.limits.gpu"), startup)
        XCTAssertTrue(startup.contains("namespace_from=context 'test' of the kubeconfig"), startup)

        server.setMaxSchedulable("VllmDecodeWorker", nil)
        try await waitFor("a scale PATCH", timeout: 20) { !server.patches().isEmpty }
        let patches = server.patches()
        XCTAssertTrue(patches.allSatisfy { $0.path.hasSuffix("/scale") && $0.status == 200 }, "\(patches.map(\.path))")
        XCTAssertTrue(patches.allSatisfy { $0.contentType == "application/merge-patch+json" })
        XCTAssertNotEqual([server.replicas("VllmPrefillWorker"), server.replicas("VllmDecodeWorker")], [6, 6],
                          "the planner's decision reached the DGD")
        let reads = server.recorded().filter { $0.method == "GET" && $0.path.hasSuffix("/dynamographdeployments/llama") }
        XCTAssertGreaterThan(reads.count, 5)

        await stop(process)
        let all = text(log)
        XCTAssertTrue(all.contains("live planner stopped"), all)
        XCTAssertTrue(all.contains("num_p="), "one structured line per decision: \(all)")
    }

    func testMissingGPUCountsAreOneClearError() async throws {
        let (_, environment) = try await startAPI(gpus: nil)
        let (process, log) = try launch([
            "run", "--environment", "kubernetes", "--adjustment-interval", "2", "--profile-results-dir", profile,
            "--metric-pulling-prometheus-endpoint", "http://127.0.0.1:9",
        ], environment: environment)
        let deadline = Date().addingTimeInterval(30)
        while process.isRunning && Date() < deadline { try await Task.sleep(nanoseconds: 100_000_000) }
        XCTAssertFalse(process.isRunning)
        XCTAssertEqual(process.terminationReason, .exit)
        XCTAssertEqual(process.terminationStatus, 1)
        let errors = text(log).split(separator: "\n").filter { $0.hasPrefix("planner run: error:") }
        XCTAssertEqual(errors.count, 1, text(log))
        let line = String(errors.first ?? "")
        XCTAssertTrue(line.contains("--prefill-engine-num-gpu") && line.contains("--decode-engine-num-gpu")
                      && line.contains("resources.limits.gpu"), line)

        // With the flags, the same DGD starts.
        let (again, log2) = try launch([
            "run", "--environment", "kubernetes", "--adjustment-interval", "2", "--profile-results-dir", profile,
            "--metric-pulling-prometheus-endpoint", "http://127.0.0.1:9",
            "--prefill-engine-num-gpu", "2", "--decode-engine-num-gpu", "2", "--kubernetes-poll-interval", "0.2",
        ], environment: environment)
        try await waitFor("the planner starts", timeout: 30) { text(log2).contains("live planner started") }
        XCTAssertTrue(text(log2).contains("prefill 2 from --prefill-engine-num-gpu"), text(log2))
        await stop(again)
    }

    func testSIGTERMDuringTheStartUpWaitExitsZero() async throws {
        let (server, environment) = try await startAPI(gpus: 1)
        server.setMaxSchedulable("VllmPrefillWorker", 0)
        let (process, log) = try launch([
            "run", "--environment", "kubernetes", "--adjustment-interval", "2", "--profile-results-dir", profile,
            "--metric-pulling-prometheus-endpoint", "http://127.0.0.1:9", "--kubernetes-poll-interval", "0.2",
        ], environment: environment)
        try await waitFor("the planner waits for readiness", timeout: 20) { text(log).contains("waiting for the deployment") }
        await stop(process)
        XCTAssertTrue(text(log).contains("stopped during start-up"), text(log))
    }
}
