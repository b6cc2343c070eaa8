import PlannerNumerics

/// The load-based mode in the replay (docs/planning.md): every `tickSeconds` the
/// simulated pools' own statistics go through `LoadBasedController`, with the
/// throughput planner's last targets as floors (`LoadBasedFloorConnector`).
final class ReplayLoadBasedController {
    let controller: LoadBasedController
    let connector: ReplayConnector
    private(set) var nextTick: Double

    init(settings: LoadBasedSettings, connector: ReplayConnector) {
        self.connector = connector
        var floors: [ComponentType: Int] = [:]
        for (_, c) in connector.configuration.pools { floors[c] = connector.requested[c] ?? 0 }
        controller = LoadBasedController(settings: settings, aggregated: connector.configuration.mode == .agg,
                                         maxWorkers: connector.configuration.simulator.maxWorkersPerPool, floors: floors)
        nextTick = settings.tickSeconds
    }

    /// The planner's side: its targets become floors, applied at the connector's current time.
    func floorConnector() -> LoadBasedFloorConnector {
        LoadBasedFloorConnector(inner: connector, controller: controller) { [unowned self] in
            try await self.apply(now: self.connector.nowSeconds)
        }
    }

    /// One look at every pool at simulated time `now`: queued prompt tokens per live
    /// worker, KV blocks used over those of live and draining workers.
    func apply(now: Double) async throws {
        var signals: [ComponentType: LoadBasedPoolSignals] = [:]
        for (pool, component) in connector.configuration.pools {
            let s = connector.simulator.stats(pool)
            signals[component] = LoadBasedPoolSignals(
                workers: connector.requested[component] ?? (s.live + s.starting), starting: s.starting,
                queuedTokensPerWorker: Double(s.waitingPrefillTokens) / Double(max(1, s.live)),
                kvUtilisation: s.kvBlocksTotal > 0 ? Double(s.kvBlocksUsed) / Double(s.kvBlocksTotal) : 0)
        }
        let targets = controller.targets(now: now, signals: signals)
        if !targets.isEmpty {
            connector.nowSeconds = now
            try await connector.setComponentReplicas(targets, blocking: false)
        }
    }

    /// Moves the next tick past `now`.
    func ticked(at now: Double) {
        while nextTick <= now { nextTick += controller.settings.tickSeconds }
    }
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
