/// The decision code the dryrun and the live loop share (docs/behaviour.md §5, §6): three
/// load predictors (request count, ISL, OSL), the two performance interpolators,
/// and the settings. Feed it observations, ask for a prediction, turn a
/// (predicted or observed) load into budget-limited replica counts.
///
/// Not thread-safe: one loop drives one engine.
public final class PlannerDecisionEngine {
    /// Changed only through `updateSettings` (the control API's minimum endpoints and budgets).
    public private(set) var settings: PlannerSettings
    public let prefillInterpolator: PrefillInterpolator
    public let decodeInterpolator: DecodeInterpolator
    public let requestCountPredictor: LoadPredictor
    public let islPredictor: LoadPredictor
    public let oslPredictor: LoadPredictor
    /// Headroom per pool, SLA feedback and the scale-down hold (`.dynamo`: none of them).
    public var headroom: SLAHeadroomSettings = .dynamo
    /// The SLA-feedback factors (1 until attainment is observed with a target set).
    public private(set) var feedbackFactors = (prefill: 1.0, decode: 1.0)
    private var previousDecision: (prefill: Int, decode: Int)?

    /// Uses the given predictors (tests inject their own). Throws `PlannerSettingsError`
    /// for settings the maths cannot use.
    public init(settings: PlannerSettings, prefillInterpolator: PrefillInterpolator,
                decodeInterpolator: DecodeInterpolator, requestCountPredictor: LoadPredictor,
                islPredictor: LoadPredictor, oslPredictor: LoadPredictor) throws {
        try settings.validate()
        self.settings = settings
        self.prefillInterpolator = prefillInterpolator
        self.decodeInterpolator = decodeInterpolator
        self.requestCountPredictor = requestCountPredictor
        self.islPredictor = islPredictor
        self.oslPredictor = oslPredictor
    }

    /// Builds three predictors of the configured kind, spaced at the planner's interval
    /// (the request count one sized for `forecastQuantile` when set). `oracle` is the
    /// trace an `oracle` predictor reads the true next loads from.
    public convenience init(settings: PlannerSettings, prefillInterpolator: PrefillInterpolator,
                            decodeInterpolator: DecodeInterpolator, predictor: LoadPredictorConfiguration,
                            oracle: [IntervalMetrics] = []) throws {
        var configuration = predictor
        configuration.intervalSeconds = settings.intervalSeconds
        try self.init(settings: settings, prefillInterpolator: prefillInterpolator, decodeInterpolator: decodeInterpolator,
                      requestCountPredictor: makeRequestCountPredictor(
                          configuration, future: oracle.map { LoadSeriesField.requestCount.value(of: $0) }),
                      islPredictor: makeLoadPredictor(configuration, future: oracle.map(\.averageISL)),
                      oslPredictor: makeLoadPredictor(configuration, future: oracle.map(\.averageOSL)))
        headroom = configuration.headroomResolved
    }

    /// Builds the interpolators from a loaded profile as well.
    public convenience init(settings: PlannerSettings, profile: PerformanceProfile, predictor: LoadPredictorConfiguration,
                            decodeResolution: Int = 100, decodeMethod: DecodeInterpolationMethod = .cloughTocher,
                            oracle: [IntervalMetrics] = []) throws {
        try settings.validate()
        try self.init(settings: settings,
                      prefillInterpolator: PrefillInterpolator(profile: profile.prefill),
                      decodeInterpolator: DecodeInterpolator(profile: profile.decode, resolution: decodeResolution,
                                                             method: decodeMethod),
                      predictor: predictor, oracle: oracle)
    }

    /// Applies `change` to the settings if the result validates; the interpolators,
    /// predictors and interval stay as they are (only floors and budgets should change).
    public func updateSettings(_ change: (inout PlannerSettings) -> Void) throws {
        var next = settings
        change(&next)
        try next.validate()
        settings = next
    }

    // MARK: load

    /// Feeds one interval's observed load to the three predictors.
    public func observe(requestCount: Double, isl: Double, osl: Double) {
        requestCountPredictor.add(requestCount)
        islPredictor.add(isl)
        oslPredictor.add(osl)
    }

    public func observe(_ interval: IntervalMetrics) {
        observe(requestCount: Double(interval.requestCount), isl: interval.averageISL, osl: interval.averageOSL)
    }

    /// Preloads history (docs/behaviour.md §3 warm-up), then re-arms idle skipping so the
    /// quiet start of the live deployment is still ignored.
    public func warmUp(with intervals: [IntervalMetrics]) {
        for interval in intervals { observe(interval) }
        requestCountPredictor.resetIdleSkip()
        islPredictor.resetIdleSkip()
        oslPredictor.resetIdleSkip()
    }

    /// One-step-ahead forecast of the next interval's load.
    /// With `headroom.decodeHeadroom` the decode pool's count is the forecast before the
    /// `--forecast-headroom` factor (its quantile kept) times that factor, and with a
    /// target attainment each pool's count is scaled by its feedback factor.
    /// The request-count predictor is asked once; both pools' counts come from that forecast.
    public func predictLoad() -> PredictedLoad {
        let headroomForecaster = requestCountPredictor as? HeadroomForecaster
        // Before the --forecast-headroom factor, its quantile kept.
        let unscaled = (headroomForecaster?.base ?? requestCountPredictor).predictNext()
        var load = PredictedLoad(requestCount: headroomForecaster?.scaled(unscaled) ?? unscaled,
                                 isl: islPredictor.predictNext(), osl: oslPredictor.predictNext())
        if let factor = headroom.decodeHeadroom {
            load.decodeRequestCount = unscaled * factor
        }
        if headroom.targetAttainment != nil {
            load.decodeRequestCount = (load.decodeRequestCount ?? load.requestCount) * feedbackFactors.decode
            load.requestCount *= feedbackFactors.prefill
        }
        return load
    }

    /// Moves the SLA-feedback factors by one interval's attainment (no-op without a target).
    public func observeAttainment(ttft: Double?, itl: Double?) {
        guard let target = headroom.targetAttainment else { return }
        feedbackFactors.prefill = SLAFeedback.next(factor: feedbackFactors.prefill, attainment: ttft, target: target,
                                                   gains: headroom.feedback)
        feedbackFactors.decode = SLAFeedback.next(factor: feedbackFactors.decode, attainment: itl, target: target,
                                                  gains: headroom.feedback)
    }

    /// `decision` with `--hold-scale-down` applied against the previous call's (unheld)
    /// decision; the budget is applied again. Returns `decision` unchanged when the hold is off.
    public func holdScaleDown(_ decision: ScalingDecision) -> ScalingDecision {
        guard headroom.holdScaleDown else { return decision }
        let previous = previousDecision
        previousDecision = (decision.prefill, decision.decode)
        guard let previous else { return decision }
        let p = ScaleDownHold.target(current: decision.prefill, previous: previous.prefill)
        let d = ScaleDownHold.target(current: decision.decode, previous: previous.decode)
        let limited = applyBudget(prefill: p, decode: d)
        var out = decision
        out.prefill = limited.prefill
        out.decode = limited.decode
        return out
    }

    // MARK: decisions

    /// Replica counts for `load`, corrected by `corrections`, limited by the GPU
    /// budget. Components the mode does not plan get 0.
    public func decide(_ load: PredictedLoad, corrections: CorrectionFactors = .neutral) -> ScalingDecision {
        let s = settings
        var p = 0, d = 0, infeasible = false
        if s.mode.plansPrefill {
            p = ScalingMath.prefillReplicas(
                requestCount: load.requestCount, isl: load.isl, intervalSeconds: s.intervalSeconds,
                correctionFactor: corrections.prefill,
                throughputPerGPU: prefillInterpolator.interpolateThroughputPerGPU(load.isl),
                engineGPUs: s.prefillEngineGPUs, minEndpoint: s.effectivePrefillMinEndpoint)
        }
        if s.mode.plansDecode {
            let itl = ScalingMath.correctedITL(slaMilliseconds: s.itlMilliseconds, correctionFactor: corrections.decode)
            let best = decodeInterpolator.findBestThroughputPerGPU(
                itlMilliseconds: itl, contextLength: ScalingMath.decodeContextLength(isl: load.isl, osl: load.osl))
            infeasible = !best.feasible
            d = ScalingMath.decodeReplicas(
                requestCount: load.decodeRequestCount ?? load.requestCount, osl: load.osl, intervalSeconds: s.intervalSeconds,
                throughputPerGPU: best.throughputPerGPU, engineGPUs: s.decodeEngineGPUs, minEndpoint: s.effectiveDecodeMinEndpoint)
        }
        let limited = applyBudget(prefill: p, decode: d)
        return ScalingDecision(prefill: limited.prefill, decode: limited.decode, requestedPrefill: p, requestedDecode: d,
                               budgetLimited: limited.prefill != p || limited.decode != d,
                               decodeSLAInfeasible: infeasible)
    }

    /// `decision` with `--max-throughput-scaling-replicas` applied against the running
    /// `workers`: each planned pool moves at most that many replicas, then its floor and the
    /// budget are applied again (they win, as in Dynamo 1.6). Unchanged without a limit.
    public func capScalingStep(_ decision: ScalingDecision, workers: WorkerCounts) -> ScalingDecision {
        let s = settings
        guard let limit = s.maxScalingStep else { return decision }
        let p = s.mode.plansPrefill
            ? max(ScalingMath.cappedStep(desired: decision.prefill, current: workers.prefill, limit: limit),
                  s.effectivePrefillMinEndpoint) : 0
        let d = s.mode.plansDecode
            ? max(ScalingMath.cappedStep(desired: decision.decode, current: workers.decode, limit: limit),
                  s.effectiveDecodeMinEndpoint) : 0
        let limited = applyBudget(prefill: p, decode: d)
        var out = decision
        out.prefill = limited.prefill
        out.decode = limited.decode
        return out
    }

    /// The budget rule of the mode: joint for disagg, per component otherwise.
    public func applyBudget(prefill: Int, decode: Int) -> (prefill: Int, decode: Int) {
        let s = settings
        switch s.mode {
        case .disagg:
            return ScalingMath.globalBudget(prefill: prefill, decode: decode, prefillEngineGPUs: s.prefillEngineGPUs,
                                            decodeEngineGPUs: s.decodeEngineGPUs, maxGPUBudget: s.maxGPUBudget,
                                            minGPUBudget: s.minGPUBudget, prefillMinEndpoint: s.effectivePrefillMinEndpoint,
                                            decodeMinEndpoint: s.effectiveDecodeMinEndpoint)
        case .prefill:
            return (ScalingMath.componentBudget(replicas: prefill, engineGPUs: s.prefillEngineGPUs,
                                                maxGPUBudget: s.maxGPUBudget, minGPUBudget: s.minGPUBudget,
                                                minEndpoint: s.effectivePrefillMinEndpoint), 0)
        case .decode:
            return (0, ScalingMath.componentBudget(replicas: decode, engineGPUs: s.decodeEngineGPUs,
                                                   maxGPUBudget: s.maxGPUBudget, minGPUBudget: s.minGPUBudget,
                                                   minEndpoint: s.effectiveDecodeMinEndpoint))
        }
    }

    // MARK: correction (live loop)

    /// Correction factors from one interval's observations (docs/behaviour.md §5). Keeps
    /// `previous` for a factor that cannot be computed: invalid metrics, no
    /// decode workers, a profile look-up of 0, or correction turned off
    /// (then `.neutral` is returned).
    public func correctionFactors(observed: ObservedMetrics, decodeWorkers: Int,
                                  previous: CorrectionFactors = .neutral) -> CorrectionFactors {
        guard settings.correctionEnabled else { return .neutral }
        guard observed.isValid, let ttft = observed.ttftMilliseconds, let itl = observed.itlMilliseconds,
              let isl = observed.isl, let osl = observed.osl else { return previous }
        var result = previous
        if settings.mode.plansPrefill,
           let cf = ScalingMath.prefillCorrectionFactor(observedTTFTMilliseconds: ttft,
                                                        expectedTTFTMilliseconds: prefillInterpolator.interpolateTTFT(isl)) {
            result.prefill = cf
        }
        if settings.mode.plansDecode,
           let concurrency = ScalingMath.decodeConcurrency(
               requestCount: observed.requestCount ?? 0, decodeWorkers: decodeWorkers,
               requestDurationSeconds: observed.requestDurationSeconds ?? 0, intervalSeconds: settings.intervalSeconds) {
            let expected = decodeInterpolator.interpolateITL(
                concurrency: concurrency, contextLength: ScalingMath.decodeContextLength(isl: isl, osl: osl))
            if let cf = ScalingMath.decodeCorrectionFactor(observedITLMilliseconds: itl, expectedITLMilliseconds: expected) {
                result.decode = cf
            }
        }
        return result
    }

    // MARK: capacity (dryrun)

    /// Prefill tokens per second `replicas` workers serve within the TTFT SLA at `isl`.
    public func safePrefillThroughput(replicas: Int, isl: Double) -> Double {
        ScalingMath.safePrefillThroughput(replicas: replicas, expectedTTFTMilliseconds: prefillInterpolator.interpolateTTFT(isl),
                                          ttftSLAMilliseconds: settings.ttftMilliseconds,
                                          throughputPerGPU: prefillInterpolator.interpolateThroughputPerGPU(isl))
    }

    /// Decode tokens per second `replicas` workers serve within the ITL SLA.
    public func safeDecodeThroughput(replicas: Int, isl: Double, osl: Double) -> Double {
        let best = decodeInterpolator.findBestThroughputPerGPU(
            itlMilliseconds: settings.itlMilliseconds, contextLength: ScalingMath.decodeContextLength(isl: isl, osl: osl))
        return ScalingMath.safeDecodeThroughput(replicas: replicas, best: best, itlSLAMilliseconds: settings.itlMilliseconds)
    }
}
