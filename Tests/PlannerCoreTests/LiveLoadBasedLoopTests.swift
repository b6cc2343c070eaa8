import XCTest
@testable import PlannerCore

/// `run --load-based` around the rule: signals in, targets out through the
/// connector, the planner's answers as floors. (The Prometheus side is tested
/// against a real Prometheus in EngineLoadReaderTests.)
final class LiveLoadBasedLoopTests: XCTestCase {
    final class Signals: LoadSignalSource, @unchecked Sendable {
        var queue = 0.0, kv = 0.3
        func signals(targets: [ComponentType: Int]) async throws -> [ComponentType: LoadBasedPoolSignals] {
            [.prefill: LoadBasedPoolSignals(workers: targets[.prefill] ?? 0, starting: 0, queuedTokensPerWorker: queue, kvUtilisation: 0),
             .decode: LoadBasedPoolSignals(workers: targets[.decode] ?? 0, starting: 0, queuedTokensPerWorker: 0, kvUtilisation: kv)]
        }
    }

    final class Recorder: PlannerConnector, @unchecked Sendable {
        var applied: [[TargetReplica]] = []
        func addComponent(_ component: ComponentType, blocking: Bool) async throws {}
        func removeComponent(_ component: ComponentType, blocking: Bool) async throws {}
        func setComponentReplicas(_ targets: [TargetReplica], blocking: Bool) async throws { applied.append(targets) }
        func currentWorkerCounts() async throws -> WorkerCounts { WorkerCounts(prefill: 0, decode: 0) }
        func validateDeployment() async throws {}
        func waitForDeploymentReady() async throws {}
        func modelName(requested: String?) async throws -> String { "m" }
    }

    struct FixedClock: LiveClock {
        var now: Double
        func nowSeconds() -> Double { now }
        func sleep(untilSeconds deadline: Double) async {}
    }

    func testQueueScalesPrefillUpAndPlannerAnswersAreFloors() async throws {
        let signals = Signals(), recorder = Recorder()
        let controller = LoadBasedController(settings: LoadBasedSettings(), aggregated: false, maxWorkers: 0,
                                             floors: [.prefill: 1, .decode: 1])
        let loop = LiveLoadBasedLoop(controller: controller, source: signals, connector: recorder,
                                     clock: FixedClock(now: 1000), initial: [.prefill: 1, .decode: 1])
        let quiet = await loop.step()
        XCTAssertEqual(quiet, [], "in band: nothing to do")
        signals.queue = 100_000                     // > 65,536 tokens per worker
        let up = await loop.step()
        XCTAssertEqual(up, [TargetReplica(component: .prefill, replicas: 2)], "at most double")
        // The planner decides 3 decode workers: a floor above the pool applies at once.
        let floors = LoadBasedFloorConnector(inner: recorder, controller: controller) { _ = await loop.step() }
        signals.queue = 30_000                      // back in band
        try await floors.setComponentReplicas([TargetReplica(component: .decode, replicas: 3),
                                               TargetReplica(component: .prefill, replicas: 1)], blocking: false)
        XCTAssertEqual(recorder.applied.last, [TargetReplica(component: .decode, replicas: 3)],
                       "prefill keeps its 2 workers: a lower floor is not a scale-down")
        XCTAssertEqual(controller.floors, [.prefill: 1, .decode: 3])
    }
}
