import Foundation
@testable import PlannerCore
import PlannerIO
import XCTest

/// A fleet member decides its interval as a single deployment does
/// (`PlannerDecisionEngine.decideInterval`): SLA feedback with its startup rule,
/// `--hold-scale-down`, and the environment's hold reason.
final class FleetFeedbackHoldTests: XCTestCase {
    typealias Connector = LivePlannerTests.RecordingConnector

    /// The llama-8b profile, a constant predictor, no budget of its own (the fleet's applies).
    static func engine(targetAttainment: Double?, holdScaleDown: Bool) throws -> PlannerDecisionEngine {
        var s = PlannerSettings()
        s.intervalSeconds = 60
        s.maxGPUBudget = -1
        var p = LoadPredictorConfiguration()
        p.kind = .constant
        p.targetAttainment = targetAttainment
        p.holdScaleDown = holdScaleDown
        let profile = try ProfileLoader.load(directory: LivePlannerTests.root.appendingPathComponent("data/profiles/h200_llama8b_tp1").path)
        return try PlannerDecisionEngine(settings: s, profile: profile, predictor: p)
    }

    static func observed(_ base: ObservedMetrics, ttft: Double?, itl: Double?) -> ObservedMetrics {
        var o = base
        o.ttftAttainment = ttft
        o.itlAttainment = itl
        return o
    }

    func decision(_ r: FleetPlanner.IntervalResult, _ i: Int = 0) throws -> ScalingDecision {
        guard case let .decided(d, _) = r.outcomes[i] else { throw NoDecision(outcome: r.outcomes[i]) }
        return d
    }

    struct NoDecision: Error { var outcome: LiveIntervalOutcome }

    func testPrefillFactorRisesAfterAMissedIntervalButNotWhileThePoolStarts() async throws {
        let engine = try Self.engine(targetAttainment: 0.99, holdScaleDown: false)
        let member = FleetMember(name: "a", engine: engine, connector: Connector())
        let fleet = FleetPlanner(members: [member], maxTotalGPUs: -1, minTotalGPUs: -1)
        let busy = LivePlannerTests.busy
        let first = try decision(await fleet.step(observed: ["a": busy]))
        XCTAssertGreaterThan(first.prefill, 1, "the busy load scales prefill up from the 1 worker running")
        XCTAssertEqual(engine.feedbackFactors.prefill, 1)

        // Interval 2 ran with the 1 prefill worker read at its start while more were asked:
        // its misses are the startup's, the factor stays.
        _ = try decision(await fleet.step(observed: ["a": Self.observed(busy, ttft: 0.5, itl: 1)]))
        XCTAssertEqual(engine.feedbackFactors.prefill, 1, "a pool still starting does not move the factor")
        XCTAssertEqual(member.state.workers.prefill, first.prefill, "the scale-up has arrived by now")

        // Interval 3 ran with the workers asked for it, but after a short interval: the requests that
        // queued meanwhile finish late now, their misses are still the startup's.
        _ = try decision(await fleet.step(observed: ["a": Self.observed(busy, ttft: 0.5, itl: 1)]))
        XCTAssertEqual(engine.feedbackFactors.prefill, 1, "the interval after a short one does not move the factor")

        // Interval 4 ran as asked, as did the one before: 90 % within the TTFT SLA against a 99 % target.
        let third = try decision(await fleet.step(observed: ["a": Self.observed(busy, ttft: 0.9, itl: 1)]))
        let raised = SLAFeedback.next(factor: 1, attainment: 0.9, target: 0.99)
        XCTAssertEqual(raised, 1.18, accuracy: 1e-12)
        XCTAssertEqual(engine.feedbackFactors.prefill, raised, accuracy: 1e-12)
        XCTAssertEqual(engine.feedbackFactors.decode, 1, "ITL met: the decode factor stays at its floor")
        let predicted = try XCTUnwrap(member.state.predicted)
        XCTAssertEqual(predicted.requestCount, 3000 * raised, accuracy: 1e-6)
        XCTAssertGreaterThan(third.prefill, first.prefill, "prefill sized for 18 % more requests")
    }

    func testAScaleDownIsHeldForOneDecision() async throws {
        let member = FleetMember(name: "a", engine: try Self.engine(targetAttainment: nil, holdScaleDown: true),
                                 connector: Connector())
        let fleet = FleetPlanner(members: [member], maxTotalGPUs: -1, minTotalGPUs: -1)
        let up = try decision(await fleet.step(observed: ["a": LivePlannerTests.busy]))
        XCTAssertGreaterThan(up.prefill, 1)
        let held = try decision(await fleet.step(observed: ["a": LivePlannerTests.quiet]))
        XCTAssertLessThan(held.requestedPrefill, up.prefill, "the quiet load asks for fewer prefill workers")
        XCTAssertEqual(held.prefill, up.prefill, "the first decision asking for fewer is held")
        XCTAssertEqual(held.decode, max(up.decode, held.requestedDecode))
        XCTAssertEqual(member.state.reason, .hold)
        XCTAssertEqual((member.connector as? Connector)?.counts, WorkerCounts(prefill: up.prefill, decode: held.decode))
        let down = try decision(await fleet.step(observed: ["a": LivePlannerTests.quiet]))
        XCTAssertEqual(down.prefill, down.requestedPrefill, "the second one in a row is applied")
        XCTAssertEqual(down.decode, down.requestedDecode)
        XCTAssertLessThan(down.prefill, up.prefill)
        XCTAssertEqual(member.state.reason, .scaleDown)
    }

    /// One member alone and without a budget decides exactly as `LivePlanner` over the same
    /// intervals, feedback and hold on.
    func testALoneMemberDecidesAsTheLivePlanner() async throws {
        let script = [
            Self.observed(LivePlannerTests.busy, ttft: 0.9, itl: 1), Self.observed(LivePlannerTests.busy, ttft: 0.5, itl: 0.95),
            Self.observed(LivePlannerTests.busy, ttft: 0.95, itl: 0.9), Self.observed(LivePlannerTests.quiet, ttft: 1, itl: 1),
            Self.observed(LivePlannerTests.quiet, ttft: 0.999, itl: 1), Self.observed(LivePlannerTests.busy, ttft: 0.8, itl: 1),
            ObservedMetrics(ttftMilliseconds: .nan, itlMilliseconds: .nan, requestCount: 0, isl: .nan, osl: .nan),
            Self.observed(LivePlannerTests.quiet, ttft: nil, itl: nil),
        ]
        let liveEngine = try Self.engine(targetAttainment: 0.99, holdScaleDown: true)
        let live = LivePlanner(engine: liveEngine, metrics: LivePlannerTests.ScriptedMetrics(script.map { .success($0) }),
                               connector: Connector())
        let memberEngine = try Self.engine(targetAttainment: 0.99, holdScaleDown: true)
        let member = FleetMember(name: "a", engine: memberEngine, connector: Connector())
        let fleet = FleetPlanner(members: [member], maxTotalGPUs: -1, minTotalGPUs: -1)
        var moved = false
        for (k, o) in script.enumerated() {
            let single = await live.step()
            let together = await fleet.step(observed: ["a": o])
            XCTAssertEqual(together.outcomes[0], single, "interval \(k + 1)")
            XCTAssertEqual(memberEngine.feedbackFactors.prefill.bitPattern, liveEngine.feedbackFactors.prefill.bitPattern)
            XCTAssertEqual(memberEngine.feedbackFactors.decode.bitPattern, liveEngine.feedbackFactors.decode.bitPattern)
            XCTAssertEqual(member.state.predicted, live.state.predicted, "interval \(k + 1)")
            XCTAssertEqual(member.state.reason, live.state.reason, "interval \(k + 1)")
            moved = moved || memberEngine.feedbackFactors.prefill > 1
        }
        XCTAssertTrue(moved, "the script moves the prefill factor")
    }

    /// A member connector that reports the environment's hold (Kubernetes readiness).
    final class HoldingConnector: PlannerConnector, ScalingHoldReporting, @unchecked Sendable {
        let inner = Connector()
        var lastScalingHold: ScalingHold? = .held("deployment not Ready")
        func addComponent(_ component: ComponentType, blocking: Bool) async throws {}
        func removeComponent(_ component: ComponentType, blocking: Bool) async throws {}
        func setComponentReplicas(_ targets: [TargetReplica], blocking: Bool) async throws {}
        func currentWorkerCounts() async throws -> WorkerCounts { try await inner.currentWorkerCounts() }
        func validateDeployment() async throws {}
        func waitForDeploymentReady() async throws {}
        func modelName(requested: String?) async throws -> String { requested ?? "m" }
    }

    func testTheEnvironmentsHoldIsTheMembersReason() async throws {
        let connector = HoldingConnector()
        let member = FleetMember(name: "a", engine: try Self.engine(targetAttainment: nil, holdScaleDown: false),
                                 connector: connector)
        let fleet = FleetPlanner(members: [member], maxTotalGPUs: -1, minTotalGPUs: -1)
        _ = try decision(await fleet.step(observed: ["a": LivePlannerTests.busy]))
        XCTAssertEqual(member.state.reason, .heldNotReady)
        connector.lastScalingHold = .pastReadinessTimeout("not Ready past the readiness timeout")
        _ = try decision(await fleet.step(observed: ["a": LivePlannerTests.busy]))
        XCTAssertEqual(member.state.reason, .scaleDownNotReady)
        connector.lastScalingHold = nil
        _ = try decision(await fleet.step(observed: ["a": LivePlannerTests.busy]))
        XCTAssertEqual(member.state.reason, .scaleUp, "1 worker runs, the busy load asks for more")
    }
}
