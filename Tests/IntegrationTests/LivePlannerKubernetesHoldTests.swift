import Connectors
import Foundation
import KubernetesTestSupport
import PlannerCore
import PlannerIO
import XCTest

/// The live loop on the real Kubernetes connector (API test server): when a
/// scale-up's pods cannot be scheduled, the next decisions are held and the
/// decision reason says so (`held_not_ready`), and once the DGD has been not
/// Ready past the readiness timeout the scale-downs apply with the reason
/// `scale_down_not_ready` — not "connector failed".
final class LivePlannerKubernetesHoldTests: XCTestCase {
    final class Clock: @unchecked Sendable {
        private let lock = NSLock()
        private var value = 1000.0
        var now: Double { lock.withLock { value } }
        func advance(_ seconds: Double) { lock.withLock { value += seconds } }
    }

    func testReasonGaugeSaysWhyADecisionWasHeld() async throws {
        let server = KubernetesTestServer(services: [
            "VllmPrefillWorker": KubernetesTestServer.service("prefill", replicas: 1, gpus: 1),
            "VllmDecodeWorker": KubernetesTestServer.service("decode", replicas: 1, gpus: 1),
        ], adapters: ["VllmPrefillWorker", "VllmDecodeWorker"])
        let url = try await server.start()
        defer { Task { await server.stop() } }
        server.setMaxSchedulable("VllmDecodeWorker", 1)

        let api = try KubernetesAPIClient(configuration: KubernetesAPIConfiguration(
            server: url, bearerToken: KubernetesTestServer.initialToken, namespace: "prod"))
        let clock = Clock()
        let connector = KubernetesConnector(api: api, deploymentName: "llama", clock: { clock.now })
        connector.pollSeconds = 0.01
        connector.readinessTimeoutSeconds = 600
        var settings = PlannerSettings()
        settings.intervalSeconds = 60
        settings.maxGPUBudget = 64
        var predictor = LoadPredictorConfiguration()
        predictor.kind = .constant
        let profile = try ProfileLoader.load(
            directory: LivePlannerTests.root.appendingPathComponent("data/profiles/h200_llama8b_tp1").path)
        let engine = try PlannerDecisionEngine(settings: settings, profile: profile, predictor: predictor)
        let live = LivePlanner(engine: engine,
                               metrics: LivePlannerTests.ScriptedMetrics([.success(LivePlannerTests.busy),
                                                                          .success(LivePlannerTests.quiet)]),
                               connector: connector)

        guard case .decided(let up, applied: true) = await live.step() else { return XCTFail("the scale-up applies") }
        XCTAssertGreaterThan(up.decode, 1)
        XCTAssertEqual(live.state.reason, .scaleUp)
        XCTAssertFalse(server.isReady, "decode pods beyond the first cannot be scheduled")

        guard case .decided(let down, applied: false) = await live.step() else { return XCTFail("held, not applied") }
        XCTAssertLessThan(down.decode, up.decode, "the quiet interval asks for fewer workers")
        XCTAssertEqual(live.state.reason, .heldNotReady)
        XCTAssertEqual(server.replicas("VllmDecodeWorker"), up.decode, "nothing patched while held")

        clock.advance(601)
        guard case .decided(let late, applied: true) = await live.step() else { return XCTFail("past the timeout it applies") }
        XCTAssertEqual(live.state.reason, .scaleDownNotReady)
        XCTAssertEqual(server.replicas("VllmDecodeWorker"), late.decode, "the scale-down reached the DGD")
    }
}
