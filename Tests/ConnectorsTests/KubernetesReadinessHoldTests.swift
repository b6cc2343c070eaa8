@testable import Connectors
import Foundation
import KubernetesTestSupport
import PlannerCore
import XCTest

/// A settable clock, so "not Ready for longer than the timeout" needs no sleeping.
final class ManualClock: @unchecked Sendable {
    private let lock = NSLock()
    private var value = 1000.0
    var now: Double { lock.withLock { value } }
    func advance(_ seconds: Double) { lock.withLock { value += seconds } }
}

/// Issue 14's Kubernetes items at the connector: a scale-up that never becomes
/// ready does not block later scale-downs forever; GPU counts from resources or
/// DRA claims; the token re-read on a schedule; where the namespace came from.
final class KubernetesReadinessHoldTests: XCTestCase {
    var server: KubernetesTestServer!
    var baseURL = ""
    let logs = LogCapture()
    let clock = ManualClock()

    override func setUp() async throws {
        server = KubernetesTestServer(services: [
            "VllmPrefillWorker": KubernetesTestServer.service("prefill", replicas: 2, gpus: 1),
            "VllmDecodeWorker": KubernetesTestServer.service("decode", replicas: 3, gpus: 1),
        ], adapters: ["VllmPrefillWorker", "VllmDecodeWorker"])
        baseURL = try await server.start()
    }

    override func tearDown() async throws {
        await server.stop()
    }

    func connector(_ configuration: KubernetesAPIConfiguration? = nil) throws -> KubernetesConnector {
        let api = try KubernetesAPIClient(configuration: configuration ?? KubernetesAPIConfiguration(
            server: baseURL, bearerToken: KubernetesTestServer.initialToken, namespace: "prod"))
        let clock = self.clock
        let c = KubernetesConnector(api: api, deploymentName: "llama", logger: logs.logger(), clock: { clock.now })
        c.pollSeconds = 0.01
        c.readinessTimeoutSeconds = 600
        return c
    }

    func targets(_ p: Int, _ d: Int) -> [TargetReplica] {
        [TargetReplica(component: .prefill, replicas: p), TargetReplica(component: .decode, replicas: d)]
    }

    func testScaleDownsApplyOnceAScaleUpStaysUnreadyPastTheTimeout() async throws {
        let c = try connector()
        server.setMaxSchedulable("VllmDecodeWorker", 3)
        try await c.setComponentReplicas(targets(2, 5), blocking: false)
        XCTAssertFalse(server.isReady, "two decode pods are unschedulable")

        do {
            try await c.setComponentReplicas(targets(1, 4), blocking: false)
            XCTFail("held while not Ready and within the timeout")
        } catch let KubernetesError.scalingHeld(reason) {
            XCTAssertTrue(reason.contains("VllmDecodeWorker 3/5 serving"), reason)
            XCTAssertTrue(reason.contains("scale-downs apply once"), reason)
        }
        XCTAssertEqual(server.replicas("VllmPrefillWorker"), 2)

        clock.advance(601)
        try await c.setComponentReplicas(targets(1, 4), blocking: false)
        XCTAssertEqual(server.replicas("VllmPrefillWorker"), 1, "scale-downs apply past the readiness timeout")
        XCTAssertEqual(server.replicas("VllmDecodeWorker"), 4)
        let note = try XCTUnwrap(c.lastScalingNote)
        XCTAssertTrue(note.contains("past the 600 s readiness timeout") && note.contains("not Ready for 601 s"), note)

        try await c.setComponentReplicas(targets(3, 3), blocking: false)
        XCTAssertEqual(server.replicas("VllmPrefillWorker"), 1, "a scale-up stays held")
        XCTAssertEqual(server.replicas("VllmDecodeWorker"), 3, "the decode scale-down applies")
        XCTAssertTrue(c.lastScalingNote?.contains("holding the scale-up of VllmPrefillWorker 1→3") == true, c.lastScalingNote ?? "")
        XCTAssertTrue(server.isReady, "decode 3 fits: the deployment recovers")

        try await c.setComponentReplicas(targets(3, 3), blocking: false)
        XCTAssertEqual(server.replicas("VllmPrefillWorker"), 3, "Ready again: scale-ups apply")
        XCTAssertNil(c.lastScalingNote)
    }

    func testGPUCountsFromLimitsRequestsAndDRAClaims() async throws {
        var prefill = KubernetesTestServer.service("prefill", replicas: 1)
        prefill["extraPodSpec"] = KubernetesTestServer.object("""
            {"resourceClaims": [{"name": "gpu", "resourceClaimTemplateName": "two-gpus"},
                                {"name": "unused", "resourceClaimTemplateName": "absent"}],
             "mainContainer": {"resources": {"claims": [{"name": "gpu"}]}}}
            """)
        var decode = KubernetesTestServer.service("decode", replicas: 1)
        decode["extraPodSpec"] = KubernetesTestServer.object(#"{"resourceClaims": [{"name": "gpu", "resourceClaimName": "shared"}]}"#)
        server.services = ["VllmPrefillWorker": prefill, "VllmDecodeWorker": decode]
        server.resourceClaimTemplates["two-gpus"] = KubernetesTestServer.object("""
            {"spec": {"spec": {"devices": {"requests": [
              {"name": "g", "exactly": {"deviceClassName": "gpu.nvidia.com", "count": 2}},
              {"name": "nic", "exactly": {"deviceClassName": "rdma.example.com", "count": 1}}]}}}}
            """)
        server.resourceClaims["shared"] = KubernetesTestServer.object("""
            {"spec": {"devices": {"requests": [
              {"name": "g", "exactly": {"deviceClassName": "gpu.nvidia.com", "allocationMode": "ExactCount", "count": 4}}]}}}
            """)
        let gpus = try await connector().gpusPerWorker()
        XCTAssertEqual(gpus.prefill.count, 2, gpus.prefill.source)
        XCTAssertTrue(gpus.prefill.source.contains("resourceclaimtemplates/two-gpus"), gpus.prefill.source)
        XCTAssertEqual(gpus.decode.count, 4, gpus.decode.source)
        let resolved = try gpus.resolved(prefillFlag: nil, decodeFlag: 8, planned: [.prefill, .decode])
        XCTAssertEqual(resolved.prefill, 2)
        XCTAssertEqual(resolved.decode, 4, "the DGD wins over the flag")

        server.resourceClaims["shared"] = KubernetesTestServer.object(
            #"{"spec": {"devices": {"requests": [{"name": "g", "exactly": {"deviceClassName": "gpu.nvidia.com", "allocationMode": "All"}}]}}}"#)
        let unknown = try await connector().gpusPerWorker()
        XCTAssertNil(unknown.decode.count)
        XCTAssertTrue(unknown.decode.source.contains("allocationMode All"), unknown.decode.source)
        XCTAssertEqual(try unknown.resolved(prefillFlag: nil, decodeFlag: 3, planned: [.prefill, .decode]).decode, 3,
                       "the flag is the fallback")
        XCTAssertThrowsError(try unknown.resolved(prefillFlag: nil, decodeFlag: nil, planned: [.prefill, .decode])) { error in
            let text = "\(error)"
            XCTAssertTrue(text.contains("decode") && text.contains("--decode-engine-num-gpu") && !text.contains("\n"), text)
        }

        server.services = ["VllmPrefillWorker": KubernetesTestServer.service("prefill", replicas: 1),
                           "VllmDecodeWorker": KubernetesTestServer.service("decode", replicas: 1)]
        let none = try await connector().gpusPerWorker()
        XCTAssertThrowsError(try none.resolved(prefillFlag: nil, decodeFlag: nil, planned: [.prefill, .decode])) { error in
            XCTAssertTrue("\(error)".contains("prefill") && "\(error)".contains("decode"), "\(error)")
        }
        XCTAssertEqual(try none.resolved(prefillFlag: nil, decodeFlag: 2, planned: [.decode]).decode, 2,
                       "an unplanned component needs neither")
    }

    func testTokenFileIsReReadOnASchedule() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("k8s-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try KubernetesTestServer.initialToken.write(toFile: dir + "/token", atomically: true, encoding: .utf8)
        var configuration = KubernetesAPIConfiguration(server: baseURL, bearerToken: KubernetesTestServer.initialToken, namespace: "prod")
        configuration.tokenFile = dir + "/token"
        let c = try connector(configuration)
        c.api.tokenRereadSeconds = 0.2
        _ = try await c.currentWorkerCounts()
        try "fresh".write(toFile: dir + "/token", atomically: true, encoding: .utf8)
        server.rotateToken(to: "fresh", keepOld: true)
        try await Task.sleep(nanoseconds: 300_000_000)
        _ = try await c.currentWorkerCounts()
        XCTAssertEqual(server.recorded().last?.authorization, "Bearer fresh", "re-read before the old token expired")
        XCTAssertFalse(server.recorded().contains { $0.status == 401 })
    }

    func testNamespaceSourceIsExplained() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("k8s-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        for (namespace, expected) in [("", "default: context 'c' of the kubeconfig"), ("team-b", "context 'c' of the kubeconfig")] {
            try """
            current-context: c
            contexts: [{name: c, context: {cluster: k, user: u\(namespace.isEmpty ? "" : ", namespace: \(namespace)")}}]
            clusters: [{name: k, cluster: {server: "http://127.0.0.1:1"}}]
            users: [{name: u, user: {token: t}}]
            """.write(toFile: dir + "/config", atomically: true, encoding: .utf8)
            let k = try KubernetesAPIConfiguration.kubeconfig(path: dir + "/config")
            XCTAssertEqual(k.namespace, namespace.isEmpty ? "default" : namespace)
            XCTAssertTrue(k.namespaceSource.hasPrefix(expected), k.namespaceSource)
        }
    }
}
