/// The series of a dryrun (docs/behaviour.md §6, docs/cli.md `--output-json`), one
/// entry per replayed interval. Throughputs are tokens per interval
/// (request count × mean length), the safe capacities likewise.
public struct DryrunSeries: Equatable, Sendable {
    /// Seconds since the first interval: 0, interval, 2·interval, ...
    public var time: [Int] = []
    /// Observed requests per interval and its forecast.
    public var rr: [Double] = []
    public var estRR: [Double] = []
    public var isl: [Double] = []
    public var estISL: [Double] = []
    public var osl: [Double] = []
    public var estOSL: [Double] = []
    public var numP: [Int] = []
    public var pThpt: [Double] = []
    public var safePThpt: [Double] = []
    public var numD: [Int] = []
    public var dThpt: [Double] = []
    public var safeDThpt: [Double] = []

    public init() {}

    public var count: Int { time.count }
}

/// A finished dryrun: the series, the warm-up shown before them, and the
/// figures of the one-screen summary.
public struct DryrunResult: Equatable, Sendable {
    public var settings: PlannerSettings
    public var predictor: LoadPredictorKind
    public var series: DryrunSeries
    public var warmup: WarmupHistory?
    /// Decisions the budget lowered, and those whose ITL target no decode
    /// profile cell meets.
    public var budgetLimitedIntervals: Int
    public var decodeInfeasibleIntervals: Int

    public init(settings: PlannerSettings, predictor: LoadPredictorKind, series: DryrunSeries, warmup: WarmupHistory?,
                budgetLimitedIntervals: Int = 0, decodeInfeasibleIntervals: Int = 0) {
        self.settings = settings
        self.predictor = predictor
        self.series = series
        self.warmup = warmup
        self.budgetLimitedIntervals = budgetLimitedIntervals
        self.decodeInfeasibleIntervals = decodeInfeasibleIntervals
    }

    /// GPU-hours of the replicas the planner chose, interval by interval.
    public var gpuHours: Double {
        var meter = GPUHoursMeter(settings: settings)
        for k in 0..<series.count {
            meter.charge(prefill: series.numP[k], decode: series.numD[k], intervalSeconds: settings.intervalSeconds)
        }
        return meter.total
    }

    /// GPU-hours of holding, for the whole replay, the most replicas of each
    /// component the planner ever chose.
    public var peakAllocationGPUHours: Double {
        let p = series.numP.max() ?? 0, d = series.numD.max() ?? 0
        return ScalingMath.gpuHours(prefill: p, decode: d, prefillEngineGPUs: settings.prefillEngineGPUs,
                                    decodeEngineGPUs: settings.decodeEngineGPUs,
                                    intervalSeconds: settings.intervalSeconds * series.count)
    }

    /// Intervals whose observed prefill demand exceeded what the chosen workers
    /// serve within the TTFT SLA.
    public var prefillUnderCapacityIntervals: Int {
        zip(series.pThpt, series.safePThpt).filter { $0 > $1 }.count
    }

    /// Intervals whose observed decode demand exceeded what the chosen workers
    /// serve within the ITL SLA.
    public var decodeUnderCapacityIntervals: Int {
        zip(series.dThpt, series.safeDThpt).filter { $0 > $1 }.count
    }
}
