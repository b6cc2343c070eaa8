import PlannerCore
import PlannerIO

// Config fields of the shared flag groups, named as Dynamo 1.x's PlannerConfig
// names them (with its aliases), else as the flag in snake_case. Ranges repeat
// the flags' own checks so a bad value is refused with its field and line.

private let counts = 0...PlannerSettings.largestCount
private let positiveCounts = 1...PlannerSettings.largestCount

extension PredictorOptions {
    static let configFields: [ConfigField<PredictorOptions>] = [
        .choice("load_predictor", \.loadPredictor, flag: "--load-predictor",
                help: "Load predictor: constant, arima, kalman or prophet."),
        .boolean("load_predictor_log1p", \.tuning.loadPredictorLog1p, flag: "--load-predictor-log1p",
                 help: "Model log1p(y) and forecast max(0, expm1(prediction))."),
        .integer("prophet_window_size", \.tuning.prophetWindowSize, flag: "--prophet-window-size", range: 5...1_000_000,
                 help: "Prophet: number of most recent points the model is fitted on."),
        .number("kalman_q_level", \.tuning.kalmanQLevel, flag: "--kalman-q-level", rule: .any, help: "Kalman: process noise of the level."),
        .number("kalman_q_trend", \.tuning.kalmanQTrend, flag: "--kalman-q-trend", rule: .any, help: "Kalman: process noise of the trend."),
        .number("kalman_r", \.tuning.kalmanR, flag: "--kalman-r", rule: .any, help: "Kalman: measurement noise."),
        .integer("kalman_min_points", \.tuning.kalmanMinPoints, flag: "--kalman-min-points", range: 0...1_000_000,
                 help: "Kalman: points needed before the filter forecasts."),
    ] + ForecastingOptions.configFields.map { $0.lifted(\PredictorOptions.tuning.forecasting) }
}

extension ForecastingOptions {
    /// The SLA-headroom settings a fleet may set per deployment (docs/fleet.md); null keeps the predictor's default.
    static let configFields: [ConfigField<ForecastingOptions>] = [
        ConfigField(name: "target_attainment", flag: "--target-attainment",
                    help: "SLA feedback: fraction (0.5 to 0.99999) of an interval's requests that should meet each pool's SLA, or off (null: 0.99 for auto, off for the others).",
                    apply: { root, node, at in
                        let v: Double
                        switch node.value {
                        case .null: root.targetAttainment = nil; return
                        case .string(let s) where s.lowercased() == "off": root.targetAttainment = "off"; return
                        case .int(let i): v = Double(i)
                        case .double(let d): v = d
                        default: throw at.error(node, "expected a fraction or off, got \(node.kindName)")
                        }
                        let limits = ForecastingOptions.attainmentLimits
                        if let problem = ConfigNumberRule.range(limits.lowerBound...limits.upperBound).check(v) {
                            throw at.error(node, "\(problem) (got \(YAMLText.number(v)))")
                        }
                        root.targetAttainment = YAMLText.number(v)
                    },
                    render: { $0.targetAttainment.map { $0.lowercased() == "off" ? "off" : $0 } ?? "null" }),
        ConfigField(name: "hold_scale_down", flag: "--hold-scale-down",
                    help: "Shrink a pool only when two decisions in a row ask for fewer workers (null: on for auto, off for the others).",
                    apply: { root, node, at in
                        switch node.value {
                        case .null: root.holdScaleDown = nil
                        case .bool(let b): root.holdScaleDown = b
                        default: throw at.error(node, "expected true, false or null, got \(node.kindName)")
                        }
                    },
                    render: { $0.holdScaleDown.map { $0 ? "true" : "false" } ?? "null" }),
    ]
}

extension ProfileOptions {
    static let configFields: [ConfigField<ProfileOptions>] = [
        .text("profile_results_dir", \.profileResultsDir, flag: "--profile-results-dir",
              help: "Directory of the pre-deployment profile (NPZ or JSON)."),
        .integer("resolution", \.resolution, flag: "--resolution", range: 2...DecodeInterpolator.maxResolution,
                 help: "Decode grid resolution per axis."),
        .choice("decode_interpolation", \.decodeInterpolation, flag: "--decode-interpolation",
                help: "Decode surface method: clough-tocher or thin-plate."),
    ]
}

extension PlannerOptions {
    static let configFields: [ConfigField<PlannerOptions>] = [
        .integer("throughput_adjustment_interval_seconds", \.decision.adjustmentInterval, flag: "--adjustment-interval",
                 aliases: ["throughput_adjustment_interval", "adjustment_interval"], range: 1...31_536_000,
                 help: "Seconds between scaling decisions."),
        // An SLA beyond 10^9 ms (11 days) is a typo, and refusing it keeps every later conversion safe.
        .number("ttft_ms", \.decision.ttft, flag: "--ttft", aliases: ["ttft"], rule: .positiveAtMost(1e9), help: "Target time to first token (ms)."),
        .number("itl_ms", \.decision.itl, flag: "--itl", aliases: ["itl"], rule: .positiveAtMost(1e9), help: "Target inter-token latency (ms)."),
        .integer("max_gpu_budget", \.decision.maxGPUBudget, flag: "--max-gpu-budget", range: -1...PlannerSettings.largestCount,
                 help: "Most GPUs prefill and decode together may use (-1: no limit)."),
        .integer("min_gpu_budget", \.decision.minGPUBudget, flag: "--min-gpu-budget", range: -1...PlannerSettings.largestCount,
                 help: "Fewest GPUs prefill and decode together use (-1: no floor); equal to max_gpu_budget pins the total."),
        .integer("min_endpoint", \.decision.minEndpoint, flag: "--min-endpoint", range: counts,
                 help: "Fewest replicas of each planned component."),
        .optionalInteger("prefill_min_endpoint", \.decision.prefillMinEndpoint, flag: "--prefill-min-endpoint", range: positiveCounts,
                         help: "Fewest prefill replicas (null: min_endpoint)."),
        .optionalInteger("decode_min_endpoint", \.decision.decodeMinEndpoint, flag: "--decode-min-endpoint", range: positiveCounts,
                         help: "Fewest decode replicas (null: min_endpoint)."),
        .optionalInteger("max_throughput_scaling_replicas", \.decision.maxThroughputScalingReplicas,
                         flag: "--max-throughput-scaling-replicas", range: positiveCounts,
                         help: "Most replicas one decision moves each component (null: no limit, as Dynamo 1.0.2; Dynamo 1.6: 8)."),
        .optionalInteger("prefill_engine_num_gpu", \.decision.prefillEngineNumGPU, flag: "--prefill-engine-num-gpu", range: 1...65_536,
                         help: "GPUs per prefill worker (null: the default, or the DGD's with kubernetes)."),
        .optionalInteger("decode_engine_num_gpu", \.decision.decodeEngineNumGPU, flag: "--decode-engine-num-gpu", range: 1...65_536,
                         help: "GPUs per decode worker (null: the default, or the DGD's with kubernetes)."),
        .optionalText("load_predictor_warmup_trace", \.decision.loadPredictorWarmupTrace, flag: "--load-predictor-warmup-trace",
                      help: "Trace fed to the predictors before live data."),
        .text("mode", \.mode, flag: "--mode", allowed: PlannerMode.allCases.map(\.rawValue),
              help: "Components planned: disagg, prefill or decode (Dynamo's agg is not implemented)."),
    ]
    + ProfileOptions.configFields.map { $0.lifted(\PlannerOptions.decision.profileFlags) }
    + PredictorOptions.configFields.map { $0.lifted(\PlannerOptions.predictor) }
}

/// Every command that reads a config, so one file can serve them all: a field of
/// another command is accepted and left alone. A new command (e.g. `replay`) adds itself here.
enum PlannerConfigRegistry {
    static let commands: [(name: String, fieldNames: Set<String>)] = [
        (DryrunCommand.configuration.commandName ?? "dryrun", DryrunCommand.configFields.configFieldNames()),
        (RunCommand.configuration.commandName ?? "run", RunCommand.configFields.configFieldNames()),
    ]

    /// Names used by the commands other than `command`.
    static func fieldNames(except command: String) -> Set<String> {
        commands.filter { $0.name != command }.reduce(into: Set<String>()) { $0.formUnion($1.fieldNames) }
    }
}
