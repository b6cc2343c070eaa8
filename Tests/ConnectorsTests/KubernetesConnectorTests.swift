@testable import Connectors
import Foundation
import KubernetesTestSupport
import PlannerCore
import XCTest

final class KubernetesConnectorTests: XCTestCase {
    var server: KubernetesTestServer!
    var baseURL = ""

    let vllmArgs = ["python3 -m dynamo.vllm --model meta-llama/Llama-3.1-8B --served-model-name llama-8b"]

    override func setUp() async throws {
        server = KubernetesTestServer(services: KubernetesTestServer.vllmServices(args: vllmArgs), adapters: ["VllmPrefillWorker"])
        baseURL = try await server.start()
    }

    override func tearDown() async throws {
        await server.stop()
    }

    func connector(name: String = "llama", token: String? = nil) throws -> KubernetesConnector {
        let api = try KubernetesAPIClient(configuration: KubernetesAPIConfiguration(
            server: baseURL, bearerToken: token ?? server.token, namespace: "prod"))
        let c = KubernetesConnector(api: api, deploymentName: name, backend: "vllm")
        c.pollSeconds = 0.01
        c.readinessTimeoutSeconds = 5
        return c
    }

    func testReadsCountsGPUsAndModelName() async throws {
        let c = try connector()
        try await c.validateDeployment()
        let counts = try await c.currentWorkerCounts()
        XCTAssertEqual(counts, WorkerCounts(prefill: 2, decode: 3))
        let gpus = try await c.gpusPerWorker()
        XCTAssertEqual(gpus.prefill.count, 2)
        XCTAssertEqual(gpus.decode.count, 4)
        XCTAssertEqual(gpus.decode.source, "spec.services.VllmDecodeWorker.resources.limits.gpu")
        let model = try await c.modelName(requested: nil)
        XCTAssertEqual(model, "llama-8b", "--served-model-name wins over --model")
        let same = try await c.modelName(requested: "llama-8b")
        XCTAssertEqual(same, "llama-8b")
        do {
            _ = try await c.modelName(requested: "qwen")
            XCTFail("a different requested model must be rejected")
        } catch let e as KubernetesError {
            XCTAssertTrue(e.description.contains("qwen") && e.description.contains("llama-8b"), e.description)
        }
    }

    func testPrefillAndDecodeMustServeTheSameModel() async throws {
        server.services["VllmDecodeWorker"] = KubernetesTestServer.service("decode", replicas: 1, args: ["--model", "other"])
        do {
            _ = try await connector().modelName(requested: nil)
            XCTFail("expected a mismatch error")
        } catch let e as KubernetesError {
            XCTAssertTrue(e.description.contains("other"), e.description)
        }
    }

    func testScaleSubresourceAndMergePatchFallback() async throws {
        let c = try connector()
        try await c.setComponentReplicas([TargetReplica(component: .prefill, replicas: 4),
                                          TargetReplica(component: .decode, replicas: 1)], blocking: false)
        let patches = server.patches()
        XCTAssertEqual(patches.map(\.path), [
            "/apis/nvidia.com/v1alpha1/namespaces/prod/dynamographdeploymentscalingadapters/llama-vllmprefillworker/scale",
            "/apis/nvidia.com/v1alpha1/namespaces/prod/dynamographdeploymentscalingadapters/llama-vllmdecodeworker/scale",
            "/apis/nvidia.com/v1alpha1/namespaces/prod/dynamographdeployments/llama",
        ], "decode has no adapter: its 404 falls back to a merge patch of the DGD")
        XCTAssertTrue(patches.allSatisfy { $0.contentType == "application/merge-patch+json" })
        let body = try JSONSerialization.jsonObject(with: Data(patches[2].body.utf8)) as? [String: Any]
        let replicas = ((body?["spec"] as? [String: Any])?["services"] as? [String: Any])?["VllmDecodeWorker"] as? [String: Any]
        XCTAssertEqual(replicas?["replicas"] as? Int, 1)
        XCTAssertEqual(server.replicas("VllmPrefillWorker"), 4)
        XCTAssertEqual(server.replicas("VllmDecodeWorker"), 1)
    }

    func testUnchangedCountsAreNotPatchedAndNotReadyIsHeld() async throws {
        let c = try connector()
        try await c.setComponentReplicas([TargetReplica(component: .prefill, replicas: 2)], blocking: false)
        XCTAssertTrue(server.patches().isEmpty)
        server.setMaxSchedulable("VllmDecodeWorker", 2)
        XCTAssertFalse(server.isReady)
        do {
            try await c.setComponentReplicas([TargetReplica(component: .prefill, replicas: 5)], blocking: false)
            XCTFail("a decision must be held (and say so) while the DGD is not Ready")
        } catch let KubernetesError.scalingHeld(reason) {
            XCTAssertTrue(reason.contains("VllmPrefillWorker 2→5") && reason.contains("VllmDecodeWorker 2/3 serving"), reason)
            XCTAssertEqual(c.lastScalingNote, reason)
        }
        XCTAssertTrue(server.patches().isEmpty, "no scaling while the DGD is not Ready")
        XCTAssertEqual(server.replicas("VllmPrefillWorker"), 2)
    }

    func testEmptyTargetListIsAnError() async throws {
        do {
            try await connector().setComponentReplicas([], blocking: false)
            XCTFail("expected an error")
        } catch is KubernetesError {}
    }

    func testBlockingScaleWaitsUntilReadyFlips() async throws {
        server.timing = OperatorTiming(reactionSeconds: 0.1, stepSeconds: 0.05)
        let c = try connector()
        try await c.addComponent(.decode, blocking: true)
        XCTAssertEqual(server.replicas("VllmDecodeWorker"), 4)
        XCTAssertEqual(server.status("VllmDecodeWorker"), ServiceReplicaStatus(4))
        let reads = server.recorded().filter { $0.method == "GET" }.count
        XCTAssertGreaterThanOrEqual(reads, 1 + 5, "one read before the patch, then polls until the operator is done")
        try await c.removeComponent(.prefill, blocking: false)
        XCTAssertEqual(server.replicas("VllmPrefillWorker"), 1)
    }

    func testReadinessTimesOutNamingTheLastState() async throws {
        server.setMaxSchedulable("VllmDecodeWorker", 1)
        let c = try connector()
        c.readinessTimeoutSeconds = 0.2
        do {
            try await c.waitForDeploymentReady()
            XCTFail("expected a timeout")
        } catch let e as KubernetesError {
            guard case let .readinessTimeout(_, _, last) = e else { return XCTFail("\(e)") }
            XCTAssertTrue(last.contains("Ready=False"), last)
        }
    }

    func testAPIErrorsCarryStatusAndResource() async throws {
        let c = try connector()
        server.failures = [.init("GET", "/dynamographdeployments/llama", 500)]
        await assertAPIError(status: 500, resource: "dynamographdeployments/llama") { try await c.validateDeployment() }
        server.failures = [.init("PATCH", "/scale", 409)]
        await assertAPIError(status: 409, resource: "llama-vllmprefillworker/scale") {
            try await c.setComponentReplicas([TargetReplica(component: .prefill, replicas: 3)], blocking: false)
        }
        server.failures = [.init("PATCH", "/scale", 422)]
        await assertAPIError(status: 422, resource: "llama-vllmprefillworker/scale") {
            try await c.setComponentReplicas([TargetReplica(component: .prefill, replicas: 5)], blocking: false)
        }
        server.adapters = []
        server.failures = [.init("PATCH", "/dynamographdeployments/llama", 409)]
        await assertAPIError(status: 409, resource: "dynamographdeployments/llama") {
            try await c.setComponentReplicas([TargetReplica(component: .decode, replicas: 7)], blocking: false)
        }
        XCTAssertEqual(server.replicas("VllmDecodeWorker"), 3, "a rejected patch changes nothing")
        await assertAPIError(status: 404, resource: "dynamographdeployments/missing") {
            try await self.connector(name: "missing").validateDeployment()
        }
        await assertAPIError(status: 401, resource: "dynamographdeployments/llama") {
            try await self.connector(token: "wrong").validateDeployment()
        }
    }

    func assertAPIError(status: Int, resource: String, _ body: () async throws -> Void, line: UInt = #line) async {
        do {
            try await body()
            XCTFail("expected HTTP \(status)", line: line)
        } catch let e as KubernetesError {
            XCTAssertEqual(e.httpStatus, status, e.description, line: line)
            XCTAssertTrue(e.description.contains(resource) && e.description.contains("\(status)"), e.description, line: line)
        } catch {
            XCTFail("unexpected \(error)", line: line)
        }
    }

    func testServiceSelectionRules() throws {
        let two = DynamoGraphDeployment(name: "d", object: ["spec": ["services": [
            "a": ["subComponentType": "prefill"], "b": ["subComponentType": "prefill"]]]])
        XCTAssertThrowsError(try two.serviceName(for: .prefill, backend: "vllm"))
        let legacy = DynamoGraphDeployment(name: "d", object: ["spec": ["services": [
            "TRTLLMPrefillWorker": ["replicas": 2], "TRTLLMDecodeWorker": ["subComponentType": "decode"]]]])
        XCTAssertEqual(try legacy.serviceName(for: .prefill, backend: "trtllm"), "TRTLLMPrefillWorker")
        XCTAssertNil(try legacy.serviceName(for: .prefill, backend: "sglang"))
        let mislabelled = DynamoGraphDeployment(name: "d", object: ["spec": ["services": [
            "VllmPrefillWorker": ["subComponentType": "decode"]]]])
        XCTAssertNil(try mislabelled.serviceName(for: .prefill, backend: "vllm"),
                     "the well-known name is a fallback only for services without subComponentType")
    }

    func testMissingComponentFailsValidation() async throws {
        server.services["VllmDecodeWorker"] = nil
        do {
            try await connector().validateDeployment()
            XCTFail("expected an error")
        } catch let e as KubernetesError {
            XCTAssertTrue(e.description.contains("decode"), e.description)
        }
    }

    func testKubeconfigAndInClusterConfiguration() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("k8s-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let ca = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"
        try """
        apiVersion: v1
        kind: Config
        current-context: prod
        contexts:
        - name: dev
          context: {cluster: dev, user: dev}
        - name: prod
          context:
            cluster: main
            user: planner
            namespace: serving
        clusters:
        - name: main
          cluster:
            server: https://10.1.2.3:6443
            certificate-authority-data: \(Data(ca.utf8).base64EncodedString())
        users:
        - name: planner
          user:
            tokenFile: token.txt
        """.write(toFile: dir + "/config", atomically: true, encoding: .utf8)
        try "secret\n".write(toFile: dir + "/token.txt", atomically: true, encoding: .utf8)
        let k = try KubernetesAPIConfiguration.kubeconfig(path: dir + "/config")
        XCTAssertEqual(k.server, "https://10.1.2.3:6443")
        XCTAssertEqual(k.namespace, "serving")
        XCTAssertEqual(k.bearerToken, "secret")
        XCTAssertEqual(k.certificateAuthorityPEM, [UInt8](ca.utf8))

        try "tok".write(toFile: dir + "/token", atomically: true, encoding: .utf8)
        try "team-a".write(toFile: dir + "/namespace", atomically: true, encoding: .utf8)
        try ca.write(toFile: dir + "/ca.crt", atomically: true, encoding: .utf8)
        let pod = try KubernetesAPIConfiguration.inCluster(
            environment: ["KUBERNETES_SERVICE_HOST": "10.96.0.1", "KUBERNETES_SERVICE_PORT": "443"], directory: dir)
        XCTAssertEqual(pod.server, "https://10.96.0.1:443")
        XCTAssertEqual(pod.bearerToken, "tok")
        XCTAssertEqual(pod.namespace, "team-a")
        XCTAssertEqual(pod.tokenFile, dir + "/token", "the token is re-read from there as it rotates")
        XCTAssertEqual(pod.certificateAuthorityPEM, [UInt8](ca.utf8))
        XCTAssertThrowsError(try KubernetesAPIConfiguration.inCluster(environment: [:], directory: dir))
        XCTAssertThrowsError(try KubernetesAPIConfiguration.kubeconfig(path: dir + "/absent"))
        XCTAssertThrowsError(try KubernetesConnector.deploymentName(environment: [:]))
        XCTAssertEqual(try KubernetesConnector.deploymentName(environment: ["DYN_PARENT_DGD_K8S_NAME": "x"]), "x")
    }
}
