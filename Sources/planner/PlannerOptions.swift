import ArgumentParser
import PlannerCore

extension LoadPredictorKind: ExpressibleByArgument {}
extension DecodeInterpolationMethod: ExpressibleByArgument {}

/// Load-predictor flags shared by `predict`, `dryrun` and `run` (docs/behaviour.md §9; the
/// project's own predictors and quantile sizing: docs/planning.md).
struct PredictorOptions: ParsableArguments {
    @Option(help: "Load predictor: constant, arima, kalman or prophet (Dynamo's); seasonal, auto (recommended), or oracle (dryrun and replay only).")
    var loadPredictor: LoadPredictorKind = .arima

    @OptionGroup var tuning: PredictorTuningOptions

    var loadPredictorLog1p: Bool { tuning.loadPredictorLog1p }

    func configuration(intervalSeconds: Int) -> LoadPredictorConfiguration {
        tuning.configuration(kind: loadPredictor, intervalSeconds: intervalSeconds)
    }

    /// The season must hold at least two intervals when the predictor uses one.
    func checkSeason(intervalSeconds: Int) throws {
        try tuning.forecasting.checkSeason(kinds: [loadPredictor], intervalSeconds: intervalSeconds)
    }
}

/// How every predictor is tuned, whichever is chosen (`replay` chooses several).
struct PredictorTuningOptions: ParsableArguments {
    @Flag(help: "Model log1p(y) and forecast max(0, expm1(prediction)).")
    var loadPredictorLog1p = false

    @Option(help: "Prophet: number of most recent points the model is fitted on.")
    var prophetWindowSize: Int = 50

    @Option(help: "Kalman: process noise of the level.")
    var kalmanQLevel: Double = 1.0

    @Option(help: "Kalman: process noise of the trend.")
    var kalmanQTrend: Double = 0.1

    @Option(help: "Kalman: measurement noise.")
    var kalmanR: Double = 10.0

    @Option(help: "Kalman: points needed before the filter forecasts (the last value is returned before).")
    var kalmanMinPoints: Int = 5

    @OptionGroup var forecasting: ForecastingOptions

    func configuration(kind: LoadPredictorKind, intervalSeconds: Int) -> LoadPredictorConfiguration {
        var c = LoadPredictorConfiguration()
        c.kind = kind
        c.log1p = loadPredictorLog1p
        c.prophetWindowSize = prophetWindowSize
        c.kalmanQLevel = kalmanQLevel
        c.kalmanQTrend = kalmanQTrend
        c.kalmanR = kalmanR
        c.kalmanMinPoints = kalmanMinPoints
        c.intervalSeconds = intervalSeconds
        forecasting.apply(to: &c, intervalSeconds: intervalSeconds)
        return c
    }

    /// Runs for every command that includes these flags, before any file is read.
    func validate() throws {
        try NumericFlag.check("--kalman-q-level", kalmanQLevel, PlannerLimits.kalmanNoise)
        try NumericFlag.check("--kalman-q-trend", kalmanQTrend, PlannerLimits.kalmanNoise)
        try NumericFlag.check("--kalman-r", kalmanR, PlannerLimits.kalmanNoise)
        try NumericFlag.check("--kalman-min-points", kalmanMinPoints, PlannerLimits.kalmanMinPoints)
        // Prophet needs a few points per fit; fewer cannot separate trend from noise.
        try NumericFlag.check("--prophet-window-size", prophetWindowSize, PlannerLimits.prophetWindowSize)
    }
}

/// The profile and how its decode surfaces are built: shared by `dryrun`, `run` and `interpolate`.
struct ProfileOptions: ParsableArguments {
    @Option(help: "Directory of the pre-deployment profile (NPZ or JSON).")
    var profileResultsDir: String = "data/profiles/h200_llama8b_tp1"

    @Option(help: "Decode grid resolution per axis.")
    var resolution: Int = 100

    @Option(help: "Decode surface method: clough-tocher (the reference) or thin-plate.")
    var decodeInterpolation: DecodeInterpolationMethod = .cloughTocher

    func validate() throws {
        try NumericFlag.check("--resolution", resolution, IntegerLimits(2...DecodeInterpolator.maxResolution))
    }
}

/// SLA, budget and profile flags shared by `dryrun`, `run` and `replay` (docs/behaviour.md §9).
struct DecisionOptions: ParsableArguments {
    @Option(help: "Seconds between scaling decisions.")
    var adjustmentInterval: Int = 180

    @Option(help: "Target time to first token (ms).")
    var ttft: Double = 500

    @Option(help: "Target inter-token latency (ms).")
    var itl: Double = 50

    @Option(name: .customLong("max-gpu-budget"), parsing: .unconditional, help: "Most GPUs prefill and decode together may use (-1: no limit).")
    var maxGPUBudget: Int = 8

    @Option(name: .customLong("min-gpu-budget"), parsing: .unconditional,
            help: "Fewest GPUs prefill and decode together use (-1: no floor); equal to --max-gpu-budget, the total is pinned and only the split moves.")
    var minGPUBudget: Int = -1

    @Option(help: "Fewest replicas of each planned component.")
    var minEndpoint: Int = 1

    @Option(help: "Fewest prefill replicas (default: --min-endpoint).")
    var prefillMinEndpoint: Int?

    @Option(help: "Fewest decode replicas (default: --min-endpoint).")
    var decodeMinEndpoint: Int?

    @Option(name: .customLong("max-throughput-scaling-replicas"),
            help: "Most replicas one decision adds to or removes from each component (Dynamo 1.6's default is 8; default: no limit, as Dynamo 1.0.2). Floors and the GPU budget win over it.")
    var maxThroughputScalingReplicas: Int?

    @Option(name: .customLong("prefill-engine-num-gpu"),
            help: "GPUs per prefill worker (default 1; with --environment kubernetes the DGD's resources win).")
    var prefillEngineNumGPU: Int?

    @Option(name: .customLong("decode-engine-num-gpu"),
            help: "GPUs per decode worker (default 1; with --environment kubernetes the DGD's resources win).")
    var decodeEngineNumGPU: Int?

    @OptionGroup var profileFlags: ProfileOptions

    @Option(help: "Trace fed to the predictors before live data (file, directory or glob).")
    var loadPredictorWarmupTrace: String?
}

/// The flags of `dryrun` and `run`: decision flags, planner mode, one predictor.
struct PlannerOptions: ParsableArguments {
    @OptionGroup var decision: DecisionOptions

    @Option(help: "Components planned: disagg, prefill or decode.")
    var mode: String = "disagg"

    @OptionGroup var predictor: PredictorOptions

    var profileFlags: ProfileOptions { decision.profileFlags }

    /// The settings' own checks (finite positive SLA, --min-endpoint ≥ 0, …)
    /// at parse time so `dryrun` and `run` fail before any work.
    func validate() throws {
        _ = try plannerSettings()
        try predictor.checkSeason(intervalSeconds: decision.adjustmentInterval)
    }
}
