@testable import Connectors
import Foundation
import KubernetesTestSupport
import PlannerCore
import XCTest

/// The eight places where the connector read or waited differently from
/// Dynamo 1.0.2's `kube.py`/`kubernetes_connector.py` (issue 16), each against
/// the delayed test server, where the lenient server of old could not tell.
final class KubernetesDynamoParityTests: XCTestCase {
    var server: KubernetesTestServer!
    var baseURL = ""
    let logs = LogCapture()
    let args = ["python3 -m dynamo.vllm --model meta-llama/Llama-3.1-8B --served-model-name llama-8b"]

    override func setUp() async throws {
        server = KubernetesTestServer(services: KubernetesTestServer.vllmServices(args: args),
                                      adapters: ["VllmPrefillWorker", "VllmDecodeWorker"])
        baseURL = try await server.start()
    }

    override func tearDown() async throws {
        await server.stop()
    }

    func connector(configuration: KubernetesAPIConfiguration? = nil) throws -> KubernetesConnector {
        let api = try KubernetesAPIClient(configuration: configuration ?? KubernetesAPIConfiguration(
            server: baseURL, bearerToken: KubernetesTestServer.initialToken, namespace: "prod"))
        let c = KubernetesConnector(api: api, deploymentName: "llama", backend: "vllm", logger: logs.logger())
        c.pollSeconds = 0.02
        return c
    }

    // 1. Worker counts are the replicas serving (available, else ready), not spec; a missing service is an error.
    func testWorkerCountsAreServingReplicasNotDesired() async throws {
        server.timing = OperatorTiming(reactionSeconds: 0.05, stepSeconds: 0.4)
        let c = try connector()
        try await c.setComponentReplicas([TargetReplica(component: .decode, replicas: 6)], blocking: false)
        let early = try await c.currentWorkerCounts()
        XCTAssertEqual(early.decode, 3, "right after the patch three decode workers serve, not the six desired")
        try await Task.sleep(nanoseconds: 600_000_000)
        let mid = try await c.currentWorkerCounts()
        let status = try XCTUnwrap(server.status("VllmDecodeWorker"))
        XCTAssertLessThan(status.available, status.ready, "availableReplicas trails readyReplicas mid-rollout")
        XCTAssertEqual(mid.decode, status.available, "availableReplicas wins over readyReplicas")
        XCTAssertEqual(mid.prefill, 2)

        server.services["VllmDecodeWorker"] = nil
        do {
            _ = try await c.currentWorkerCounts()
            XCTFail("a planned component without a service must be an error, not 0 workers")
        } catch let e as KubernetesError {
            XCTAssertTrue(e.description.contains("decode"), e.description)
        }
    }

    // 2. A service without `replicas` has 0 desired (Dynamo), so a target of 1 is patched.
    func testMissingReplicasCountsAsZero() async throws {
        server.services["VllmDecodeWorker"] = KubernetesTestServer.service("decode", replicas: nil, args: args)
        try await connector().setComponentReplicas([TargetReplica(component: .decode, replicas: 1)], blocking: false)
        let patch = try XCTUnwrap(server.patches().first, "0 desired replicas differ from the target 1: patched")
        XCTAssertTrue(patch.path.hasSuffix("/llama-vllmdecodeworker/scale"), patch.path)
        XCTAssertEqual(server.replicas("VllmDecodeWorker"), 1)
    }

    // 3. A blocking scale returns only once the operator has observed and finished the change,
    //    through stale reads and a Ready condition that is still True right after the patch.
    func testBlockingScaleWaitsForTheOperator() async throws {
        server.timing = OperatorTiming(reactionSeconds: 0.3, stepSeconds: 0.05)
        server.staleReads = 3
        let c = try connector()
        try await c.setComponentReplicas([TargetReplica(component: .decode, replicas: 5)], blocking: true)
        XCTAssertEqual(server.status("VllmDecodeWorker"), ServiceReplicaStatus(5), "returned before the operator finished")
        XCTAssertTrue(server.isReady)
        XCTAssertGreaterThanOrEqual(server.readyTransitions, 2, "Ready went False then True")
    }

    // 3b. Without observedGeneration in the CRD, the Ready condition turning and returning is the signal.
    func testBlockingScaleWithoutObservedGeneration() async throws {
        server.timing = OperatorTiming(reactionSeconds: 0.3, stepSeconds: 0.05, reportsObservedGeneration: false)
        let c = try connector()
        try await c.addComponent(.prefill, blocking: true)
        XCTAssertEqual(server.status("VllmPrefillWorker"), ServiceReplicaStatus(3))
        XCTAssertTrue(server.isReady)
    }

    // 4. add/remove patch even while the DGD is not Ready (Dynamo does); a held decision is logged every time.
    func testAddAndRemovePatchWhileNotReady() async throws {
        server.setMaxSchedulable("VllmDecodeWorker", 3)
        server.services["VllmDecodeWorker"] = KubernetesTestServer.service("decode", replicas: 5, args: args)
        XCTAssertFalse(server.isReady, "two decode pods cannot be scheduled")
        let c = try connector()
        try await c.addComponent(.prefill, blocking: false)
        XCTAssertEqual(server.replicas("VllmPrefillWorker"), 3, "add patches although not Ready")
        try await c.removeComponent(.decode, blocking: false)
        XCTAssertEqual(server.replicas("VllmDecodeWorker"), 4, "remove patches although not Ready")
        for _ in 0..<3 {
            try? await c.setComponentReplicas([TargetReplica(component: .prefill, replicas: 6)], blocking: false)
        }
        XCTAssertEqual(server.replicas("VllmPrefillWorker"), 3, "a decision is held while not Ready")
        XCTAssertEqual(logs.count("not ready"), 3, "one warning per held decision: \(logs.lines.map(\.message))")
    }

    // 5. An expired service-account token: the token file is read again and the request retried once.
    func testRotatedTokenIsReReadOn401() async throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try KubernetesTestServer.initialToken.write(toFile: dir + "/token", atomically: true, encoding: .utf8)
        try kubeconfig(server: baseURL, tokenFile: "token").write(toFile: dir + "/config", atomically: true, encoding: .utf8)
        let c = try connector(configuration: try KubernetesAPIConfiguration.kubeconfig(path: dir + "/config"))
        _ = try await c.currentWorkerCounts()
        try "rotated-1".write(toFile: dir + "/token", atomically: true, encoding: .utf8)
        server.rotateToken(to: "rotated-1", keepOld: false)
        let counts = try await c.currentWorkerCounts()
        XCTAssertEqual(counts, WorkerCounts(prefill: 2, decode: 3))
        let statuses = server.recorded().map(\.status)
        XCTAssertEqual(statuses, [200, 401, 200], "one 401, then the retry with the new token")
        XCTAssertEqual(server.recorded().last?.authorization, "Bearer rotated-1")
    }

    // 6. In-cluster: KUBERNETES_SERVICE_PORT and a non-empty ca.crt are required, each with its own error.
    func testInClusterRequiresPortAndCA() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try "tok".write(toFile: dir + "/token", atomically: true, encoding: .utf8)
        try "team-a".write(toFile: dir + "/namespace", atomically: true, encoding: .utf8)
        try "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n".write(toFile: dir + "/ca.crt", atomically: true, encoding: .utf8)
        assertConfigurationError(mentioning: "KUBERNETES_SERVICE_PORT") {
            _ = try KubernetesAPIConfiguration.inCluster(environment: ["KUBERNETES_SERVICE_HOST": "10.96.0.1"], directory: dir)
        }
        let environment = ["KUBERNETES_SERVICE_HOST": "10.96.0.1", "KUBERNETES_SERVICE_PORT": "6443"]
        XCTAssertEqual(try KubernetesAPIConfiguration.inCluster(environment: environment, directory: dir).server,
                       "https://10.96.0.1:6443")
        try "".write(toFile: dir + "/ca.crt", atomically: true, encoding: .utf8)
        assertConfigurationError(mentioning: "ca.crt") {
            _ = try KubernetesAPIConfiguration.inCluster(environment: environment, directory: dir)
        }
        try FileManager.default.removeItem(atPath: dir + "/ca.crt")
        assertConfigurationError(mentioning: "ca.crt") {
            _ = try KubernetesAPIConfiguration.inCluster(environment: environment, directory: dir)
        }
    }

    // 7. RBAC without `…/scale`: a 403 falls back to the DGD patch, said once with the permission named.
    func testForbiddenScaleSubresourceFallsBackToTheDGDPatch() async throws {
        server.forbidScaleSubresource = true
        let c = try connector()
        try await c.setComponentReplicas([TargetReplica(component: .decode, replicas: 4)], blocking: false)
        try await c.setComponentReplicas([TargetReplica(component: .decode, replicas: 5)], blocking: false)
        XCTAssertEqual(server.replicas("VllmDecodeWorker"), 5)
        XCTAssertEqual(server.patches().map(\.status), [403, 200, 403, 200])
        XCTAssertEqual(logs.count("dynamographdeploymentscalingadapters/scale"), 1,
                       "the missing permission is named once: \(logs.lines.map(\.message))")
    }

    // 8. Validation reports every problem at once; subComponentType matches exactly, empty counts as none.
    func testValidationCollectsEveryProblem() async throws {
        let x = ["--model", "x"]
        await assertInvalid(["A": KubernetesTestServer.service("prefill", replicas: 1, args: x),
                             "B": KubernetesTestServer.service("prefill", replicas: 1, args: x)],
                            mentioning: ["A, B", "no decode service"], "the duplicate prefill services and the missing decode one")
        await assertInvalid(["VllmPrefillWorker": KubernetesTestServer.service("prefill", replicas: 1, args: x),
                             "VllmDecodeWorker": KubernetesTestServer.service("decode", replicas: 1, args: ["--model", "y"])],
                            mentioning: ["'x'", "'y'"], "prefill and decode serving different models")
        await assertInvalid(["VllmPrefillWorker": KubernetesTestServer.service("Prefill", replicas: 1, args: args),
                             "VllmDecodeWorker": KubernetesTestServer.service("decode", replicas: 1, args: args)],
                            mentioning: ["no prefill service"], "subComponentType 'Prefill' is not 'prefill' (Dynamo compares exactly)")
        server.services = [
            "VllmPrefillWorker": KubernetesTestServer.service("", replicas: 1, args: args),
            "VllmDecodeWorker": KubernetesTestServer.service("decode", replicas: 1, args: args),
        ]
        try await connector().validateDeployment()
    }

    func assertInvalid(_ services: [String: [String: Any]], mentioning: [String], _ why: String, line: UInt = #line) async {
        server.services = services
        do {
            try await connector().validateDeployment()
            XCTFail("expected a validation error: \(why)", line: line)
        } catch let e as KubernetesError {
            for text in mentioning { XCTAssertTrue(e.description.contains(text), "\(why): \(e.description)", line: line) }
        } catch {
            XCTFail("\(error)", line: line)
        }
    }

    // MARK: helpers

    func temporaryDirectory() throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("k8s-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }

    func kubeconfig(server: String, tokenFile: String, namespace: String? = "prod") -> String {
        """
        apiVersion: v1
        kind: Config
        current-context: test
        contexts:
        - name: test
          context:
            cluster: test
            user: planner
        \(namespace.map { "    namespace: \($0)" } ?? "")
        clusters:
        - name: test
          cluster:
            server: \(server)
        users:
        - name: planner
          user:
            tokenFile: \(tokenFile)
        """
    }

    func assertConfigurationError(mentioning text: String, line: UInt = #line, _ body: () throws -> Void) {
        do {
            try body()
            XCTFail("expected an error mentioning \(text)", line: line)
        } catch let e as KubernetesError {
            guard case .configuration = e else { return XCTFail("\(e)", line: line) }
            XCTAssertTrue(e.description.contains(text), e.description, line: line)
        } catch {
            XCTFail("\(error)", line: line)
        }
    }
}
