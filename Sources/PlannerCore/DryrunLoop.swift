/// Why a dryrun cannot start.
public struct DryrunError: Error, CustomStringConvertible, Equatable {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// The offline replay of docs/behaviour.md §6: the live loop's decision code driven by a
/// trace instead of Prometheus, with no connector and no correction factors.
public enum DryrunLoop {
    /// Replays `intervals` (already extracted at the engine's interval).
    /// Interval 0 runs the start counts and uses its own load as the estimate;
    /// for every later interval k the engine predicts from intervals < k,
    /// decides, and only then observes k.
    ///
    /// - Parameters:
    ///   - source: names the trace in errors.
    ///   - warmup: fed to the predictors first, then idle skipping is re-armed.
    /// - Throws: `DryrunError` for an empty trace, one shorter than two
    ///   intervals (nothing to decide), or negative start counts.
    public static func run(intervals: [IntervalMetrics], engine: PlannerDecisionEngine, predictor: LoadPredictorKind,
                           startPrefill: Int = 1, startDecode: Int = 1, warmup: WarmupHistory? = nil,
                           source: String = "trace") throws -> DryrunResult {
        let s = engine.settings
        guard let first = intervals.first else {
            throw DryrunError("\(source): the trace holds no requests; a dryrun needs at least two intervals of traffic")
        }
        guard intervals.count >= 2 else {
            throw DryrunError("\(source): the trace spans less than two \(s.intervalSeconds) s intervals; "
                + "a dryrun needs one to observe and one to decide (use a shorter --adjustment-interval)")
        }
        guard startPrefill >= 0, startDecode >= 0 else {
            throw DryrunError("--start-num-p and --start-num-d must be 0 or more, got \(startPrefill) and \(startDecode)")
        }
        if let warmup, !warmup.isEmpty { engine.warmUp(with: warmup.intervals) }

        var out = DryrunSeries()
        out.time.reserveCapacity(intervals.count)
        let startP = s.mode.plansPrefill ? startPrefill : 0
        let startD = s.mode.plansDecode ? startDecode : 0
        let firstLoad = PredictedLoad(requestCount: Double(first.requestCount), isl: first.averageISL, osl: first.averageOSL)
        append(&out, time: 0, observed: first, estimate: firstLoad, prefill: startP, decode: startD, engine: engine)
        engine.observe(first)

        var budgetLimited = 0, infeasible = 0
        // The dryrun's workers are what it decided last (the start counts first).
        var running = WorkerCounts(prefill: startP, decode: startD)
        for k in 1..<intervals.count {
            let load = engine.predictLoad()
            let decision = engine.capScalingStep(engine.decide(load), workers: running)
            running = WorkerCounts(prefill: decision.prefill, decode: decision.decode)
            if decision.budgetLimited { budgetLimited += 1 }
            if decision.decodeSLAInfeasible { infeasible += 1 }
            engine.observe(intervals[k])
            append(&out, time: k * s.intervalSeconds, observed: intervals[k], estimate: load,
                   prefill: decision.prefill, decode: decision.decode, engine: engine)
        }
        return DryrunResult(settings: s, predictor: predictor, series: out, warmup: warmup,
                            budgetLimitedIntervals: budgetLimited, decodeInfeasibleIntervals: infeasible)
    }

    private static func append(_ out: inout DryrunSeries, time: Int, observed x: IntervalMetrics, estimate: PredictedLoad,
                               prefill: Int, decode: Int, engine: PlannerDecisionEngine) {
        let s = engine.settings
        let interval = Double(s.intervalSeconds)
        let rr = Double(x.requestCount)
        out.time.append(time)
        out.rr.append(rr)
        out.estRR.append(estimate.requestCount)
        out.isl.append(x.averageISL)
        out.estISL.append(estimate.isl)
        out.osl.append(x.averageOSL)
        out.estOSL.append(estimate.osl)
        out.numP.append(prefill)
        out.numD.append(decode)
        // Series of a component the mode does not plan stay zero (docs/cli.md).
        if s.mode.plansPrefill {
            out.pThpt.append(rr * x.averageISL)
            out.safePThpt.append(engine.safePrefillThroughput(replicas: prefill, isl: x.averageISL) * interval)
        } else {
            out.pThpt.append(0)
            out.safePThpt.append(0)
        }
        if s.mode.plansDecode {
            out.dThpt.append(rr * x.averageOSL)
            out.safeDThpt.append(engine.safeDecodeThroughput(replicas: decode, isl: x.averageISL, osl: x.averageOSL) * interval)
        } else {
            out.dThpt.append(0)
            out.safeDThpt.append(0)
        }
    }
}
