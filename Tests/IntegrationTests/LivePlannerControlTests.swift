import Foundation
import PlannerCore
import PlannerIO
import XCTest

/// Advisory mode, pause and runtime limits on the live loop (scripted inputs, real engine).
final class LivePlannerControlTests: XCTestCase {
    typealias Support = LivePlannerTests

    final class AdvisoryRecorder: AdvisoryPublisher, @unchecked Sendable {
        var published: [(ScalingDecision, DecisionReason)] = []
        func publishAdvisory(_ decision: ScalingDecision, reason: DecisionReason, mode: PlannerMode) async throws {
            published.append((decision, reason))
        }
    }

    /// As LivePlannerTests.engine(): 60 s intervals, budget 64, constant predictor, the bundled H200 profile.
    func engine() throws -> PlannerDecisionEngine {
        var s = PlannerSettings()
        s.intervalSeconds = 60
        s.maxGPUBudget = 64
        var p = LoadPredictorConfiguration()
        p.kind = .constant
        let profile = try ProfileLoader.load(directory: Support.root.appendingPathComponent("data/profiles/h200_llama8b_tp1").path)
        return try PlannerDecisionEngine(settings: s, profile: profile, predictor: p)
    }

    func testAdvisoryPublishesButNeverScales() async throws {
        let connector = Support.RecordingConnector()
        let advisory = AdvisoryRecorder()
        let live = LivePlanner(engine: try engine(), metrics: Support.ScriptedMetrics([.success(Support.busy)]),
                               connector: connector, advisory: advisory)
        guard case .decided(let d, applied: false) = await live.step() else { return XCTFail("expected a decision") }
        XCTAssertTrue(connector.sent.isEmpty, "advisory never scales")
        XCTAssertEqual(advisory.published.count, 1)
        XCTAssertEqual(advisory.published.first?.0, d)
        XCTAssertEqual(advisory.published.first?.1, .scaleUp, "busy load on 1+1 workers")
        XCTAssertEqual(live.state.reason, .scaleUp)
        let e = try XCTUnwrap(live.state.explanation)
        XCTAssertGreaterThan(e.estimatedTTFTMilliseconds, 0)
        XCTAssertGreaterThan(e.prefillEngineCapacityRequestsPerSecond, 0)
        XCTAssertEqual(e.gpusInUse, d.prefill + d.decode)
    }

    func testPauseDecidesWithoutScalingAndResumeScales() async throws {
        let connector = Support.RecordingConnector()
        let controls = PlannerControls(settings: try engine().settings)
        let live = LivePlanner(engine: try engine(), metrics: Support.ScriptedMetrics([.success(Support.busy)]),
                               connector: connector, controls: controls)
        controls.pause()
        guard case .decided(_, applied: false) = await live.step() else { return XCTFail("paused still decides") }
        XCTAssertTrue(connector.sent.isEmpty)
        XCTAssertEqual(controls.snapshot().reason, .paused)
        controls.resume()
        guard case .decided(_, applied: true) = await live.step() else { return XCTFail("resumed scales") }
        XCTAssertEqual(connector.sent.count, 1)
    }

    func testRuntimeLimitsApplyFromTheNextInterval() async throws {
        let connector = Support.RecordingConnector()
        let quiet = ObservedMetrics(ttftMilliseconds: 40, itlMilliseconds: 4, requestCount: 1, isl: 100, osl: 10,
                                    requestDurationSeconds: 1)
        let e = try engine()
        let controls = PlannerControls(settings: e.settings)
        let live = LivePlanner(engine: e, metrics: Support.ScriptedMetrics([.success(quiet)]), connector: connector,
                               controls: controls)
        guard case .decided(let before, _) = await live.step() else { return XCTFail() }
        XCTAssertEqual(before.decode, 1)
        try controls.update { $0.decodeMinEndpoint = 3; $0.minGPUBudget = 6 }
        XCTAssertThrowsError(try controls.update { $0.minGPUBudget = 65 }, "above the ceiling of 64")
        guard case .decided(let after, _) = await live.step() else { return XCTFail() }
        XCTAssertEqual(e.settings.decodeMinEndpoint, 3)
        XCTAssertGreaterThanOrEqual(after.decode, 3)
        XCTAssertEqual(after.prefill + after.decode, 6, "the GPU floor of 6 with one GPU per engine")
        XCTAssertEqual(live.state.reason, .budgetLimited)
    }
}
