import PlannerNumerics

/// The mutable state of one `ReplayDriver.run`: the simulator, the pending batch,
/// the accumulators and the series.
struct RunState {
    let configuration: ReplayConfiguration
    let simulator: ReplaySimulator
    let connector: ReplayConnector
    let frontend = ReplayFrontendMetrics()
    let onRequest: ((ReplayRequestRecord) throws -> Void)?
    var summary = ReplaySummaryAccumulator()
    var series = ReplayIntervalSeries()
    var buckets: [Int: IntervalLatencyBucket] = [:]
    var batch: [ReplayArrival] = []
    var batchIntervals: [Int] = []
    var intervalOfRequest: [Int64: Int] = [:]
    var finishedInWindow = 0
    var submitted = 0
    var finished = 0
    var boundary: Double
    var now = 0.0
    var stop: ReplayStop?
    var decisions = 0
    var undecided = 0
    var peak: [ComponentType: Int] = [:]
    var requestError: Error?
    var gapsSeen: (count: Int, sum: Double) = (0, 0)

    init(configuration: ReplayConfiguration, onRequest: ((ReplayRequestRecord) throws -> Void)?) throws {
        self.configuration = configuration
        self.onRequest = onRequest
        simulator = try ReplaySimulator(settings: configuration.simulator)
        connector = ReplayConnector(simulator: simulator, configuration: configuration)
        for (_, component) in configuration.pools {
            let n = component == .prefill ? configuration.prefillWorkers : configuration.decodeWorkers
            try connector.start(component, workers: n)
            peak[component] = n
        }
        boundary = Double(configuration.planner.intervalSeconds)
        batch.reserveCapacity(ReplayDriver.batchSize)
    }

    mutating func enqueue(_ row: ReplayTraceRow, at t: Double, dt: Double) {
        let id = Int64(submitted + batch.count)
        batch.append(ReplayArrival(id: id, arrival: t, isl: row.inputLength, osl: row.outputLength, hashIDs: row.hashIDs ?? []))
        batchIntervals.append(Int(t / dt))
    }

    /// Hands the pending arrivals to the simulator. When its in-flight capacity is
    /// full, the simulation runs on to just before the next arrival; if nothing
    /// finished by then, the arrivals outrun the workers and the replay stops.
    mutating func flush() throws {
        var i = 0
        defer {
            batch.removeAll(keepingCapacity: true)
            batchIntervals.removeAll(keepingCapacity: true)
        }
        while i < batch.count {
            let accepted: Int
            do {
                accepted = try simulator.submit(batch[i...])
            } catch let e as ReplayRequestError {
                throw ReplayError("request \(e.id + 1) of the trace: \(e.description); raise --num-gpu-blocks or --block-size")
            }
            for j in i..<(i + accepted) {
                intervalOfRequest[batch[j].id] = batchIntervals[j]
                buckets[batchIntervals[j], default: IntervalLatencyBucket()].arrivals += 1
            }
            submitted += accepted
            i += accepted
            guard i < batch.count else { break }
            let before = finished
            let t = batch[i].arrival.nextDown
            if t > now {
                try simulator.run(until: t) { self.complete($0) }
                try rethrowRequestError()
                now = t
            }
            if finished == before {
                stop = .inflightLimit(requests: submitted - finished, atSeconds: now)
                return
            }
        }
    }

    /// The interval's inter-token gaps as the frontend's ITL histogram would count
    /// them (the simulator records every gap as it happens).
    mutating func handTokenGapsToFrontend() {
        let gaps = simulator.tokenGaps()
        frontend.setIntervalTokenGaps(count: gaps.count - gapsSeen.count, sumMilliseconds: gaps.sumMs - gapsSeen.sum)
        gapsSeen = (gaps.count, gaps.sumMs)
    }

    mutating func advance(to t: Double) throws {
        try flush()
        try simulator.run(until: t) { self.complete($0) }
        try rethrowRequestError()
        now = max(now, t)
    }

    /// Runs until every submitted request finished or `t`; true when all finished.
    mutating func finish(before t: Double) throws -> Bool {
        let done = try simulator.finish(maxTime: t) { self.complete($0) }
        try rethrowRequestError()
        if done { now = max(now, summary.lastFinishSeconds) } else { now = max(now, t) }
        return done && finished == submitted
    }

    private mutating func rethrowRequestError() throws {
        if let e = requestError { requestError = nil; throw e }
    }

    private mutating func complete(_ c: ReplayCompletion) {
        let r = ReplayRequestRecord(c, ttftSLAMilliseconds: configuration.planner.ttftMilliseconds,
                                    itlSLAMilliseconds: configuration.planner.itlMilliseconds)
        finished += 1
        finishedInWindow += 1
        summary.add(r)
        frontend.record(r)
        if let k = intervalOfRequest.removeValue(forKey: c.id), var b = buckets[k] {
            b.add(r)
            if b.done == b.arrivals, k < series.count {
                series.fillLatency(k, b)
                buckets[k] = nil
            } else {
                buckets[k] = b
            }
        }
        if requestError == nil, let onRequest {
            do { try onRequest(r) } catch { requestError = error }
        }
    }

    /// Samples the pools at the end of the interval that started at `start`.
    mutating func sampleInterval(start: Double) {
        func count(_ c: ComponentType) -> (requested: Int, live: Int, stats: ReplayPoolStats?) {
            guard let pool = configuration.pools.first(where: { $0.component == c })?.pool else { return (0, 0, nil) }
            let s = simulator.stats(pool)
            peak[c] = max(peak[c] ?? 0, s.live + s.starting + s.draining)
            return (connector.requested[c] ?? 0, s.live, s)
        }
        let p = count(.prefill), d = count(.decode)
        let queue = (p.stats?.waitingRequests ?? 0) + (d.stats?.waitingRequests ?? 0)
        let kv = d.stats.flatMap { $0.kvBlocksTotal > 0 ? Double($0.kvBlocksUsed) / Double($0.kvBlocksTotal) : nil }
        let k = series.count
        series.appendSample(time: start, requested: (p.requested, d.requested), live: (p.live, d.live), queue: queue, kv: kv,
                            arrivals: buckets[k]?.arrivals ?? 0, finished: finishedInWindow)
        finishedInWindow = 0
        if let b = buckets[k], b.done == b.arrivals {
            series.fillLatency(k, b)
            buckets[k] = nil
        }
    }

    func result(requests: Int, wallTimeMilliseconds: Double) -> ReplayResult {
        var partial = series
        for (k, b) in buckets { partial.fillLatency(k, b) }
        var summary = self.summary
        let gaps = simulator.tokenGaps()
        if gaps.count > 0, let q = try? simulator.tokenGapQuantiles([0.5, 0.75, 0.9, 0.95, 0.99]) {
            summary.tokenGaps = TokenGapStatistics(count: gaps.count, meanMs: gaps.meanMs, minMs: gaps.minMs, maxMs: gaps.maxMs,
                                                   quantilesMs: q)
        }
        var workerSeconds: [ComponentType: Double] = [:]
        for (pool, c) in configuration.pools { workerSeconds[c] = simulator.stats(pool).gpuWorkerSeconds }
        let first = 0.0
        let end = stop == nil ? summary.lastFinishSeconds : now
        return ReplayResult(configuration: configuration, summary: summary, intervals: partial, events: connector.events,
                            stop: stop, requests: requests, durationSeconds: max(0, end - first), workerSeconds: workerSeconds,
                            peakWorkers: peak, decisions: decisions, undecidedIntervals: undecided,
                            wallTimeMilliseconds: wallTimeMilliseconds)
    }
}
