/// Whole-run statistics of a replay, accumulated request by request in fixed memory.
public struct ReplaySummaryAccumulator: Sendable {
    public var ttft = LatencyDistribution()
    /// Token-weighted: each request's mean ITL counts once per gap (Dynamo's ITL samples).
    public var itl = LatencyDistribution()
    public var tpot = LatencyDistribution()
    public var e2e = LatencyDistribution()
    public var queue = LatencyDistribution()
    public var completed = 0
    public var inputTokens = 0
    public var outputTokens = 0
    public var cachedTokens = 0
    public var preemptions = 0
    public var metTTFT = 0
    public var metITL = 0
    public var metBoth = 0
    public var lastFinishSeconds = 0.0
    /// Every inter-token gap as the simulator measured it (Dynamo's ITL samples); when
    /// present it gives the ITL mean, extremes and percentiles instead of `itl`.
    public var tokenGaps: TokenGapStatistics?

    public init() {}

    public mutating func add(_ r: ReplayRequestRecord) {
        completed += 1
        inputTokens &+= r.inputLength
        outputTokens &+= r.outputLength
        cachedTokens &+= r.cachedTokens
        preemptions &+= r.preemptions
        if r.metTTFT { metTTFT += 1 }
        if r.metITL { metITL += 1 }
        if r.metBoth { metBoth += 1 }
        ttft.record(r.ttftMilliseconds)
        if let v = r.itlMilliseconds { itl.record(v, weight: r.tokenGaps) }
        if let v = r.tpotMilliseconds { tpot.record(v) }
        e2e.record(r.e2eMilliseconds)
        queue.record(r.queueMilliseconds)
        lastFinishSeconds = max(lastFinishSeconds, r.arrivalSeconds + r.e2eMilliseconds / 1000)
    }
}

/// The simulator's exact count, mean and extremes of all inter-token gaps, and its
/// quantiles (p50, p75, p90, p95, p99; within 0.1 % of the order statistics).
public struct TokenGapStatistics: Sendable {
    public var count: Int
    public var meanMs: Double
    public var minMs: Double
    public var maxMs: Double
    public var quantilesMs: [Double]
}

/// Why a replay stopped before every request finished.
public enum ReplayStop: Equatable, Sendable {
    /// `--max-sim-time` reached.
    case maxSimTime(seconds: Double)
    /// The simulator's in-flight capacity was full: arrivals outrun every worker.
    case inflightLimit(requests: Int, atSeconds: Double)

    public var description: String {
        switch self {
        case let .maxSimTime(s):
            return "stopped at --max-sim-time \(s) s before every request finished (partial report)"
        case let .inflightLimit(n, t):
            return "stopped at t = \(t) s with \(n) requests in flight, the simulator's limit: arrivals outrun the workers (partial report)"
        }
    }
}

/// One replay's outcome: what the reports print and write.
public struct ReplayResult: Sendable {
    public var configuration: ReplayConfiguration
    public var summary: ReplaySummaryAccumulator
    public var intervals: ReplayIntervalSeries
    public var events: [ReplayScalingEvent]
    public var stop: ReplayStop?
    /// Requests read from the trace (all of them unless the replay stopped early).
    public var requests: Int
    /// Simulated seconds from the first arrival to the last completion (or the stop).
    public var durationSeconds: Double
    /// Integral of the workers (starting, serving, draining) over simulated time, per component.
    public var workerSeconds: [ComponentType: Double]
    public var peakWorkers: [ComponentType: Int]
    /// Decisions the planner made and intervals it could not decide (no finished requests).
    public var decisions: Int
    public var undecidedIntervals: Int
    /// Wall-clock time of the simulation itself (the only field that varies between identical runs).
    public var wallTimeMilliseconds: Double

    public var gpuHours: Double {
        workerSeconds.reduce(0) { $0 + $1.value * Double(configuration.gpusPerWorker($1.key)) } / 3600
    }

    public func meanWorkers(_ c: ComponentType) -> Double {
        durationSeconds > 0 ? (workerSeconds[c] ?? 0) / durationSeconds : 0
    }

    func fraction(_ n: Int) -> Double? { summary.completed > 0 ? Double(n) / Double(summary.completed) : nil }

    /// The numbers of `"summary"` in the JSON: names follow Dynamo's replay report
    /// where the meaning is the same (the writer adds `partial`, `stop_reason` and,
    /// last, `wall_time_ms`).
    public var summaryFields: [(String, Double?)] {
        let s = summary
        let seconds = durationSeconds
        func rate(_ x: Int) -> Double? { seconds > 0 ? Double(x) / seconds : nil }
        var f: [(String, Double?)] = [
            ("num_requests", Double(requests)), ("completed_requests", Double(s.completed)),
            ("total_input_tokens", Double(s.inputTokens)), ("total_output_tokens", Double(s.outputTokens)),
            ("duration_ms", seconds * 1000),
            ("request_throughput_rps", rate(s.completed)), ("output_throughput_tok_s", rate(s.outputTokens)),
            ("sla_attainment", fraction(s.metBoth)), ("ttft_attainment", fraction(s.metTTFT)),
            ("itl_attainment", fraction(s.metITL)),
            ("goodput_completed_requests", Double(s.metBoth)), ("goodput_request_throughput_rps", rate(s.metBoth)),
            ("gpu_hours", gpuHours),
        ]
        for (c, name) in [(ComponentType.prefill, "prefill"), (.decode, "decode")]
        where configuration.pools.contains(where: { $0.component == c }) {
            let label = configuration.mode == .agg ? "" : "\(name)_"
            f.append(("peak_\(label)workers", Double(peakWorkers[c] ?? 0)))
            f.append(("mean_\(label)workers", meanWorkers(c)))
        }
        f.append(("scaling_events", Double(events.count)))
        f.append(("prefix_cache_reused_ratio", s.inputTokens > 0 ? Double(s.cachedTokens) / Double(s.inputTokens) : nil))
        f.append(("preemptions", Double(s.preemptions)))
        for (name, d) in [("ttft_ms", s.ttft), ("itl_ms", s.itl), ("tpot_ms", s.tpot), ("e2e_latency_ms", s.e2e),
                          ("queue_ms", s.queue)] {
            if name == "itl_ms", let g = s.tokenGaps, g.quantilesMs.count == 5 {
                f += [("mean_itl_ms", g.meanMs), ("min_itl_ms", g.minMs), ("max_itl_ms", g.maxMs),
                      ("median_itl_ms", g.quantilesMs[0]), ("p75_itl_ms", g.quantilesMs[1]), ("p90_itl_ms", g.quantilesMs[2]),
                      ("p95_itl_ms", g.quantilesMs[3]), ("p99_itl_ms", g.quantilesMs[4]),
                      ("std_itl_ms", d.standardDeviation)]
                continue
            }
            f.append(("mean_\(name)", d.mean))
            f.append(("min_\(name)", d.count > 0 ? d.minimum : nil))
            f.append(("max_\(name)", d.count > 0 ? d.maximum : nil))
            f.append(("median_\(name)", d.percentile(50)))
            for p in [75.0, 90, 95, 99] { f.append(("p\(Int(p))_\(name)", d.percentile(p))) }
            f.append(("std_\(name)", d.standardDeviation))
        }
        return f
    }
}
