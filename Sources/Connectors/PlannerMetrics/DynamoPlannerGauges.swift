import PlannerCore
import Prometheus

/// The gauges Dynamo 1.x's planner exports (`dynamo_planner_*`), plus the ones that
/// explain this planner's decisions: correction factors, the budget in use, the
/// counts the SLA asked for before the budget, and the reason as an enum gauge
/// (one series per reason, 1 for the current one — prometheus_client's Enum shape).
struct DynamoPlannerGauges {
    /// Name and help of every unlabelled gauge, in export order.
    static let definitions: [(name: String, help: String)] = [
        ("dynamo_planner_num_prefill_replicas", "Prefill replicas running in the interval that just ended"),
        ("dynamo_planner_num_decode_replicas", "Decode replicas running in the interval that just ended"),
        ("dynamo_planner_observed_ttft_ms", "Observed mean time to first token (ms)"),
        ("dynamo_planner_observed_itl_ms", "Observed mean inter-token latency (ms)"),
        ("dynamo_planner_observed_requests_per_second", "Observed request rate (req/s)"),
        ("dynamo_planner_observed_request_duration_seconds", "Observed mean request duration (s)"),
        ("dynamo_planner_observed_input_sequence_tokens", "Observed mean input sequence length (tokens)"),
        ("dynamo_planner_observed_output_sequence_tokens", "Observed mean output sequence length (tokens)"),
        ("dynamo_planner_predicted_requests_per_second", "Predicted request rate for the next interval (req/s)"),
        ("dynamo_planner_predicted_input_sequence_tokens", "Predicted input sequence length for the next interval (tokens)"),
        ("dynamo_planner_predicted_output_sequence_tokens", "Predicted output sequence length for the next interval (tokens)"),
        ("dynamo_planner_predicted_num_prefill_replicas", "Prefill replicas decided for the next interval"),
        ("dynamo_planner_predicted_num_decode_replicas", "Decode replicas decided for the next interval"),
        ("dynamo_planner_requested_num_prefill_replicas", "Prefill replicas the SLA asked for before the GPU budget"),
        ("dynamo_planner_requested_num_decode_replicas", "Decode replicas the SLA asked for before the GPU budget"),
        ("dynamo_planner_gpu_hours", "Cumulative GPU hours of the planned workers"),
        ("dynamo_planner_sla_target_ttft_ms", "Configured time-to-first-token target (ms)"),
        ("dynamo_planner_sla_target_itl_ms", "Configured inter-token latency target (ms)"),
        ("dynamo_planner_estimated_ttft_ms", "Profiled TTFT at the predicted ISL, corrected (ms)"),
        ("dynamo_planner_estimated_itl_ms", "Profiled ITL at the chosen decode replicas' load, corrected (ms)"),
        ("dynamo_planner_engine_prefill_capacity_requests_per_second", "One prefill engine's capacity under the SLA (req/s)"),
        ("dynamo_planner_engine_decode_capacity_requests_per_second", "One decode engine's capacity under the SLA (req/s)"),
        ("dynamo_planner_prefill_correction_factor", "Observed over profiled TTFT"),
        ("dynamo_planner_decode_correction_factor", "Observed over profiled ITL"),
        ("dynamo_planner_gpu_budget_in_use", "GPUs the last decision uses"),
        ("dynamo_planner_max_gpu_budget", "GPU ceiling in effect (-1: none)"),
        ("dynamo_planner_min_gpu_budget", "GPU floor in effect (-1: none)"),
        ("dynamo_planner_paused", "1 while paused through the control API"),
        ("dynamo_planner_advisory", "1 when decisions are advisory (never applied)"),
    ]

    static let reasonGauge = "dynamo_planner_decision_reason"
    static let reasonHelp = "Why the last interval ended as it did (1 for the current reason)"

    /// Every metric name exported (the reason gauge once).
    static var names: [String] { definitions.map(\.name) + [reasonGauge] }

    private var gauges: [String: Gauge] = [:]
    private var reasons: [DecisionReason: Gauge] = [:]

    /// `labels` go on every gauge (the fleet's `dynamo_namespace`); none for one deployment.
    init(registry: PrometheusCollectorRegistry, labels: [(String, String)] = []) {
        for (name, help) in Self.definitions {
            gauges[name] = labels.isEmpty ? registry.makeGauge(name: name, help: help)
                : registry.makeGauge(name: name, labels: labels, help: help)
        }
        for reason in DecisionReason.allCases {
            reasons[reason] = registry.makeGauge(name: Self.reasonGauge, labels: labels + [(Self.reasonGauge, reason.rawValue)],
                                                 help: Self.reasonHelp)
        }
    }

    /// Takes every gauge out of `registry` (a deployment that left the fleet).
    func unregister(from registry: PrometheusCollectorRegistry) {
        gauges.values.forEach(registry.unregisterGauge)
        reasons.values.forEach(registry.unregisterGauge)
    }

    /// The state's values under their `dynamo_planner_*` names, then the settings-derived gauges.
    func publish(_ state: PlannerState, intervalSeconds: Int, settings: PlannerSettings, paused: Bool, advisory: Bool) {
        let interval = Double(max(1, intervalSeconds))
        for gauge in Self.stateValues {
            if let v = gauge.read(state, interval) { set(gauge.dynamo, v) }
        }
        publishSettings(state, settings: settings, paused: paused, advisory: advisory)
    }

    func set(_ name: String, _ value: Double) {
        gauges[name]?.set(value.isFinite ? value : 0)
    }

    /// A value read from the state each interval, exported under Dynamo 1.x's name and,
    /// where Dynamo 1.0.2 had one, its `planner:*` name. Nil: not known yet (left as it was).
    struct StateValue {
        let legacy: String?
        let dynamo: String
        let read: (PlannerState, _ intervalSeconds: Double) -> Double?

        init(_ legacy: String?, _ dynamo: String, _ read: @escaping (PlannerState, Double) -> Double?) {
            self.legacy = legacy
            self.dynamo = dynamo
            self.read = read
        }
    }

    static let stateValues: [StateValue] = [
        StateValue("planner:num_p_workers", "dynamo_planner_num_prefill_replicas") { s, _ in Double(s.workers.prefill) },
        StateValue("planner:num_d_workers", "dynamo_planner_num_decode_replicas") { s, _ in Double(s.workers.decode) },
        StateValue("planner:gpu_hours", "dynamo_planner_gpu_hours") { s, _ in s.gpuHours.total },
        StateValue("planner:p_correction_factor", "dynamo_planner_prefill_correction_factor") { s, _ in s.corrections.prefill },
        StateValue("planner:d_correction_factor", "dynamo_planner_decode_correction_factor") { s, _ in s.corrections.decode },
        StateValue("planner:observed_ttft", "dynamo_planner_observed_ttft_ms") { s, _ in s.observed?.ttftMilliseconds },
        StateValue("planner:observed_itl", "dynamo_planner_observed_itl_ms") { s, _ in s.observed?.itlMilliseconds },
        StateValue("planner:observed_request_rate", "dynamo_planner_observed_requests_per_second") { s, i in
            s.observed?.requestCount.map { $0 / i }
        },
        StateValue("planner:observed_request_duration", "dynamo_planner_observed_request_duration_seconds") { s, _ in
            s.observed?.requestDurationSeconds
        },
        StateValue("planner:observed_isl", "dynamo_planner_observed_input_sequence_tokens") { s, _ in s.observed?.isl },
        StateValue("planner:observed_osl", "dynamo_planner_observed_output_sequence_tokens") { s, _ in s.observed?.osl },
        StateValue("planner:predicted_request_rate", "dynamo_planner_predicted_requests_per_second") { s, i in
            s.predicted.map { $0.requestCount / i }
        },
        StateValue("planner:predicted_isl", "dynamo_planner_predicted_input_sequence_tokens") { s, _ in s.predicted?.isl },
        StateValue("planner:predicted_osl", "dynamo_planner_predicted_output_sequence_tokens") { s, _ in s.predicted?.osl },
        StateValue("planner:predicted_num_p", "dynamo_planner_predicted_num_prefill_replicas") { s, _ in s.decision.map { Double($0.prefill) } },
        StateValue("planner:predicted_num_d", "dynamo_planner_predicted_num_decode_replicas") { s, _ in s.decision.map { Double($0.decode) } },
        StateValue(nil, "dynamo_planner_requested_num_prefill_replicas") { s, _ in s.decision.map { Double($0.requestedPrefill) } },
        StateValue(nil, "dynamo_planner_requested_num_decode_replicas") { s, _ in s.decision.map { Double($0.requestedDecode) } },
        StateValue(nil, "dynamo_planner_estimated_ttft_ms") { s, _ in s.explanation?.estimatedTTFTMilliseconds },
        StateValue(nil, "dynamo_planner_estimated_itl_ms") { s, _ in s.explanation?.estimatedITLMilliseconds },
        StateValue(nil, "dynamo_planner_engine_prefill_capacity_requests_per_second") { s, _ in
            s.explanation?.prefillEngineCapacityRequestsPerSecond
        },
        StateValue(nil, "dynamo_planner_engine_decode_capacity_requests_per_second") { s, _ in
            s.explanation?.decodeEngineCapacityRequestsPerSecond
        },
        StateValue(nil, "dynamo_planner_gpu_budget_in_use") { s, _ in s.explanation.map { Double($0.gpusInUse) } },
    ]

    /// The settings-derived gauges and the reason (the state values are set by the reporter).
    func publishSettings(_ state: PlannerState, settings: PlannerSettings, paused: Bool, advisory: Bool) {
        set("dynamo_planner_sla_target_ttft_ms", settings.ttftMilliseconds)
        set("dynamo_planner_sla_target_itl_ms", settings.itlMilliseconds)
        set("dynamo_planner_max_gpu_budget", Double(settings.maxGPUBudget))
        set("dynamo_planner_min_gpu_budget", Double(settings.minGPUBudget))
        set("dynamo_planner_paused", paused ? 1 : 0)
        set("dynamo_planner_advisory", advisory ? 1 : 0)
        if let reason = state.reason {
            for (r, gauge) in reasons { gauge.set(r == reason ? 1.0 : 0.0) }
        }
    }
}
