import PlannerNumerics

/// The load-based mode in the replay (docs/planning.md): every `tickSeconds` the
/// simulated pools' own statistics go through `LoadBasedScaling.target`, with the
/// throughput planner's last targets as floors. Prefill pools are judged on queued
/// prompt tokens per live worker, decode pools on KV utilisation, an aggregated pool
/// on both (it grows when either asks, shrinks only when both allow).
final class ReplayLoadBasedController {
    let settings: LoadBasedSettings
    let connector: ReplayConnector
    private(set) var floors: [ComponentType: Int] = [:]
    private var lastChange: [ComponentType: Double] = [:]
    private(set) var nextTick: Double

    init(settings: LoadBasedSettings, connector: ReplayConnector) {
        self.settings = settings
        self.connector = connector
        nextTick = settings.tickSeconds
        for (_, c) in connector.configuration.pools { floors[c] = connector.requested[c] ?? 0 }
    }

    /// The planner's answer for `component`: the pool's new floor.
    func setFloor(_ component: ComponentType, _ workers: Int) { floors[component] = max(0, workers) }

    /// Applies the rule to every pool at simulated time `now`.
    func apply(now: Double) async throws {
        var targets: [TargetReplica] = []
        let configuration = connector.configuration
        for (pool, component) in configuration.pools {
            let s = connector.simulator.stats(pool)
            let current = connector.requested[component] ?? (s.live + s.starting)
            let since = now - (lastChange[component] ?? -.infinity)
            let queue = Double(s.waitingPrefillTokens) / Double(max(1, s.live))
            let kv = s.kvBlocksTotal > 0 ? Double(s.kvBlocksUsed) / Double(s.kvBlocksTotal) : 0
            var signals: [(Double, LoadBasedScaling.Thresholds)] = []
            switch (configuration.mode, component) {
            case (.agg, _): signals = [(queue, settings.prefill), (kv, settings.decode)]
            case (_, .prefill): signals = [(queue, settings.prefill)]
            default: signals = [(kv, settings.decode)]
            }
            let answers = signals.map { load, thresholds in
                LoadBasedScaling.target(
                    LoadBasedScaling.PoolObservation(workers: current, starting: s.starting, load: load, secondsSinceChange: since),
                    thresholds: thresholds, floor: floors[component] ?? 0, minDwellSeconds: settings.minDwellSeconds,
                    maxWorkers: configuration.simulator.maxWorkersPerPool).workers
            }
            let target = answers.max() ?? current
            if target != current {
                targets.append(TargetReplica(component: component, replicas: target))
                lastChange[component] = now
            }
        }
        if !targets.isEmpty {
            connector.nowSeconds = now
            try await connector.setComponentReplicas(targets, blocking: false)
        }
    }

    /// Moves the next tick past `now`.
    func ticked(at now: Double) {
        while nextTick <= now { nextTick += settings.tickSeconds }
    }
}

/// What the live planner talks to in load-based mode: its targets become the
/// controller's floors (applied at once when above the pool), everything else
/// is the simulated deployment's connector.
final class ReplayFloorConnector: PlannerConnector {
    let controller: ReplayLoadBasedController
    private var inner: ReplayConnector { controller.connector }

    init(controller: ReplayLoadBasedController) { self.controller = controller }

    func setComponentReplicas(_ targets: [TargetReplica], blocking: Bool) async throws {
        for t in targets { controller.setFloor(t.component, t.replicas) }
        try await controller.apply(now: inner.nowSeconds)
    }

    func addComponent(_ component: ComponentType, blocking: Bool) async throws {
        controller.setFloor(component, (controller.floors[component] ?? 0) + 1)
        try await controller.apply(now: inner.nowSeconds)
    }

    func removeComponent(_ component: ComponentType, blocking: Bool) async throws {
        controller.setFloor(component, max(0, (controller.floors[component] ?? 0) - 1))
        try await controller.apply(now: inner.nowSeconds)
    }

    func currentWorkerCounts() async throws -> WorkerCounts { try await inner.currentWorkerCounts() }
    func validateDeployment() async throws {}
    func waitForDeploymentReady() async throws {}
    func modelName(requested: String?) async throws -> String { try await inner.modelName(requested: requested) }
}

/// The oracle's view of a trace: per interval of the replay's own grid (origin at
/// the first arrival, as `ReplayDriver`), the request count and mean ISL/OSL.
public enum ReplayOracle {
    public static func intervals(_ source: ReplayRequestSource, intervalSeconds: Int) throws -> [IntervalMetrics] {
        let dt = Double(max(1, intervalSeconds))
        var counts: [Int] = [], isl: [Double] = [], osl: [Double] = []
        var origin: Double?
        while let row = try source.next() {
            let t = row.arrivalSeconds - (origin ?? row.arrivalSeconds)
            if origin == nil { origin = row.arrivalSeconds }
            let q = (t / dt).rounded(.down)
            guard q.isFinite, q >= 0, q < ReplayConfiguration.maxIntervals else { continue }
            let k = Int(q)
            while counts.count <= k { counts.append(0); isl.append(0); osl.append(0) }
            counts[k] += 1
            isl[k] += Double(row.inputLength)
            osl[k] += Double(row.outputLength)
        }
        return counts.indices.map { k in
            let n = Double(counts[k])
            return IntervalMetrics(intervalStartSeconds: k * Int(dt), requestCount: counts[k],
                                   averageISL: n > 0 ? isl[k] / n : 0, averageOSL: n > 0 ? osl[k] / n : 0)
        }
    }
}
