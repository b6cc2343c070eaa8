import Foundation
import PlannerCore
import PlannerIO
import XCTest

/// The live loop on the real decision engine and profile, with scripted inputs
/// and a clock that jumps to each deadline (the real ports are exercised in
/// EndToEndLivePlannerTests).
final class LivePlannerTests: XCTestCase {
    struct Unreachable: Error, CustomStringConvertible {
        var what: String
        var description: String { "\(what) unreachable" }
    }

    final class ScriptedMetrics: MetricsSource, @unchecked Sendable {
        var script: [Result<ObservedMetrics, Unreachable>]
        var calls = 0
        init(_ script: [Result<ObservedMetrics, Unreachable>]) { self.script = script }
        func observe(intervalSeconds: Int) async throws -> ObservedMetrics {
            defer { calls += 1 }
            return try script[min(calls, script.count - 1)].get()
        }
    }

    final class RecordingConnector: PlannerConnector, @unchecked Sendable {
        var counts = WorkerCounts(prefill: 1, decode: 1)
        var sent: [[TargetReplica]] = []
        /// Interval indices (0-based calls of currentWorkerCounts) that fail.
        var failCountsAt: Set<Int> = []
        var failScaling = false
        var countCalls = 0
        func addComponent(_ component: ComponentType, blocking: Bool) async throws {}
        func removeComponent(_ component: ComponentType, blocking: Bool) async throws {}
        func setComponentReplicas(_ targets: [TargetReplica], blocking: Bool) async throws {
            if failScaling { throw Unreachable(what: "etcd") }
            sent.append(targets)
            for t in targets {
                if t.component == .prefill { counts.prefill = t.replicas } else { counts.decode = t.replicas }
            }
        }
        func currentWorkerCounts() async throws -> WorkerCounts {
            defer { countCalls += 1 }
            if failCountsAt.contains(countCalls) { throw Unreachable(what: "etcd") }
            return counts
        }
        func validateDeployment() async throws {}
        func waitForDeploymentReady() async throws {}
        func modelName(requested: String?) async throws -> String { requested ?? "m" }
    }

    final class JumpingClock: LiveClock, @unchecked Sendable {
        var now = 0.0
        func nowSeconds() -> Double { now }
        func sleep(untilSeconds deadline: Double) async { now = max(now, deadline) }
    }

    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    func engine(mode: PlannerMode = .disagg, correction: Bool = true) throws -> PlannerDecisionEngine {
        var s = PlannerSettings()
        s.intervalSeconds = 60
        s.maxGPUBudget = 64
        s.mode = mode
        s.correctionEnabled = correction
        var p = LoadPredictorConfiguration()
        p.kind = .constant
        let profile = try ProfileLoader.load(directory: Self.root.appendingPathComponent("data/profiles/h200_llama8b_tp1").path)
        return try PlannerDecisionEngine(settings: s, profile: profile, predictor: p)
    }

    static let busy = ObservedMetrics(ttftMilliseconds: 90, itlMilliseconds: 8, requestCount: 3000, isl: 3000, osl: 300,
                                      requestDurationSeconds: 3)
    static let quiet = ObservedMetrics(ttftMilliseconds: 40, itlMilliseconds: 4, requestCount: 60, isl: 3000, osl: 300,
                                       requestDurationSeconds: 2)

    func testDecisionsAreTheEnginesAndFollowTheLoad() async throws {
        let metrics = ScriptedMetrics([.success(Self.quiet), .success(Self.busy), .success(Self.busy), .success(Self.quiet)])
        let connector = RecordingConnector()
        let clock = JumpingClock()
        let live = LivePlanner(engine: try engine(), metrics: metrics, connector: connector, clock: clock)
        await live.run(maxIntervals: 4)
        XCTAssertEqual(clock.now, 240, "one interval of the clock per decision")

        // The same decisions, recomputed with a second engine fed the same way.
        let reference = try engine()
        var workers = WorkerCounts(prefill: 1, decode: 1)
        var corrections = CorrectionFactors.neutral
        var expected: [[TargetReplica]] = []
        var gpuHours = 0.0
        for o in [Self.quiet, Self.busy, Self.busy, Self.quiet] {
            gpuHours += Double(workers.prefill + workers.decode) * 60 / 3600
            reference.observe(requestCount: o.requestCount ?? 0, isl: o.isl ?? 0, osl: o.osl ?? 0)
            corrections = reference.correctionFactors(observed: o, decodeWorkers: workers.decode, previous: corrections)
            let d = reference.decide(reference.predictLoad(), corrections: corrections)
            expected.append(d.targets(mode: .disagg))
            workers = WorkerCounts(prefill: d.prefill, decode: d.decode)
        }
        XCTAssertEqual(connector.sent, expected)
        XCTAssertEqual(live.state.gpuHours.total, gpuHours, accuracy: 1e-12)
        XCTAssertEqual(live.state.intervals, 4)
        let prefill = connector.sent.map { $0[0].replicas }
        XCTAssertGreaterThan(prefill[1], prefill[0], "busy intervals need more prefill workers")
        XCTAssertLessThan(prefill[3], prefill[2], "and fewer once the load falls")
        XCTAssertNotEqual(live.state.corrections, .neutral, "correction factors are applied in the live loop")
    }

    func testNoOperationDecidesWithoutScaling() async throws {
        let connector = RecordingConnector()
        let live = LivePlanner(engine: try engine(), metrics: ScriptedMetrics([.success(Self.busy)]), connector: connector,
                               clock: JumpingClock(), noOperation: true)
        let outcome = await live.step()
        guard case let .decided(decision, applied) = outcome else { return XCTFail("\(outcome)") }
        XCTAssertFalse(applied)
        XCTAssertGreaterThan(decision.prefill, 1)
        XCTAssertTrue(connector.sent.isEmpty)
        XCTAssertEqual(live.state.decision, decision)
    }

    func testOutagesAreSkippedAndTheLoopRecovers() async throws {
        let metrics = ScriptedMetrics([.success(Self.busy), .failure(Unreachable(what: "prometheus")),
                                       .failure(Unreachable(what: "prometheus")), .success(Self.busy), .success(Self.quiet)])
        let connector = RecordingConnector()
        connector.failCountsAt = [3]
        let live = LivePlanner(engine: try engine(), metrics: metrics, connector: connector, clock: JumpingClock())
        var outcomes: [LiveIntervalOutcome] = []
        for _ in 0..<6 { outcomes.append(await live.step()) }
        let kinds = outcomes.map { o -> String in
            switch o {
            case .decided: return "decided"
            case .invalidMetrics: return "invalid"
            case .unavailable: return "skipped"
            }
        }
        XCTAssertEqual(kinds, ["decided", "skipped", "skipped", "skipped", "decided", "decided"])
        XCTAssertEqual(connector.sent.count, 3)
        XCTAssertEqual(live.state.intervals, 3, "skipped intervals are not observed")
        connector.failScaling = true
        guard case .decided(_, applied: false) = await live.step() else { return XCTFail("a failing connector is logged, not fatal") }
    }

    func testInvalidMetricsMakeNoDecision() async throws {
        var idle = Self.quiet
        idle.ttftMilliseconds = .nan
        idle.requestCount = 0
        let connector = RecordingConnector()
        let live = LivePlanner(engine: try engine(), metrics: ScriptedMetrics([.success(idle)]), connector: connector,
                               clock: JumpingClock())
        let outcome = await live.step()
        XCTAssertEqual(outcome, .invalidMetrics)
        XCTAssertTrue(connector.sent.isEmpty)
        XCTAssertEqual(live.state.intervals, 1)
    }

    func testNoCorrectionAndModes() async throws {
        var slow = Self.busy
        slow.ttftMilliseconds = 5000
        let connector = RecordingConnector()
        let plain = LivePlanner(engine: try engine(mode: .prefill, correction: false),
                                metrics: ScriptedMetrics([.success(slow)]), connector: connector, clock: JumpingClock())
        await plain.step()
        XCTAssertEqual(plain.state.corrections, .neutral)
        XCTAssertEqual(connector.sent.last?.map(\.component), [.prefill], "prefill mode sends only prefill targets")

        let decodeOnly = RecordingConnector()
        let corrected = LivePlanner(engine: try engine(mode: .decode), metrics: ScriptedMetrics([.success(slow)]),
                                    connector: decodeOnly, clock: JumpingClock())
        await corrected.step()
        XCTAssertEqual(decodeOnly.sent.last?.map(\.component), [.decode])
        XCTAssertNotEqual(corrected.state.corrections.decode, 1)
    }

    func testStopRequestEndsTheLoopBetweenIntervals() async throws {
        var s = PlannerSettings()
        s.intervalSeconds = 30
        let profile = try ProfileLoader.load(directory: Self.root.appendingPathComponent("data/profiles/h200_llama8b_tp1").path)
        var p = LoadPredictorConfiguration()
        p.kind = .constant
        let live = LivePlanner(engine: try PlannerDecisionEngine(settings: s, profile: profile, predictor: p),
                               metrics: ScriptedMetrics([.success(Self.busy)]), connector: RecordingConnector(),
                               clock: MonotonicLiveClock())
        let started = Date()
        Task {
            try await Task.sleep(nanoseconds: 300_000_000)
            live.requestStop()
        }
        await live.run()
        XCTAssertLessThan(Date().timeIntervalSince(started), 2, "a stop request must not wait for the 30 s interval")
        XCTAssertEqual(live.state.intervals, 0)
    }
}
