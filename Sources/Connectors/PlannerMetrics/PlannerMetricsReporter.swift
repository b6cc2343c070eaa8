import PlannerCore
import Prometheus

/// The planner's own Prometheus gauges (SPEC.md §5 names), fed by the live loop
/// and rendered in the Prometheus text format.
public final class PlannerMetricsReporter: PlannerStateSink, @unchecked Sendable {
    /// The gauge names, in the order SPEC.md §5 lists them.
    public static let gaugeNames = [
        "planner:num_p_workers", "planner:num_d_workers",
        "planner:observed_ttft", "planner:observed_itl", "planner:observed_request_rate",
        "planner:observed_request_duration", "planner:observed_isl", "planner:observed_osl",
        "planner:p_correction_factor", "planner:d_correction_factor",
        "planner:predicted_request_rate", "planner:predicted_isl", "planner:predicted_osl",
        "planner:predicted_num_p", "planner:predicted_num_d", "planner:gpu_hours",
    ]

    public let registry = PrometheusCollectorRegistry()
    private var gauges: [String: Gauge] = [:]

    public init() {
        for name in Self.gaugeNames {
            gauges[name] = registry.makeGauge(
                descriptor: MetricNameDescriptor(metricName: name, unitName: "", helpText: Self.help(name)))
        }
    }

    /// Sets one gauge by its full name; unknown names are ignored.
    public func set(_ name: String, _ value: Double) {
        gauges[name]?.set(value)
    }

    public func publish(_ state: PlannerState, intervalSeconds: Int) {
        set("planner:num_p_workers", Double(state.workers.prefill))
        set("planner:num_d_workers", Double(state.workers.decode))
        set("planner:gpu_hours", state.gpuHours.total)
        set("planner:p_correction_factor", state.corrections.prefill)
        set("planner:d_correction_factor", state.corrections.decode)
        let interval = Double(max(1, intervalSeconds))
        if let o = state.observed {
            if let v = o.ttftMilliseconds { set("planner:observed_ttft", v) }
            if let v = o.itlMilliseconds { set("planner:observed_itl", v) }
            if let v = o.requestCount { set("planner:observed_request_rate", v / interval) }
            if let v = o.requestDurationSeconds { set("planner:observed_request_duration", v) }
            if let v = o.isl { set("planner:observed_isl", v) }
            if let v = o.osl { set("planner:observed_osl", v) }
        }
        if let p = state.predicted {
            set("planner:predicted_request_rate", p.requestCount / interval)
            set("planner:predicted_isl", p.isl)
            set("planner:predicted_osl", p.osl)
        }
        if let d = state.decision {
            set("planner:predicted_num_p", Double(d.prefill))
            set("planner:predicted_num_d", Double(d.decode))
        }
    }

    /// The exposition text served on /metrics.
    public func render() -> String {
        var bytes: [UInt8] = []
        registry.emit(into: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Serves `render()` on `GET /metrics` at `host:port` (port 0 = any free port).
    public func serve(host: String = "0.0.0.0", port: Int) async throws -> LoopbackHTTPServer {
        try await LoopbackHTTPServer.start(host: host, port: port) { [self] request in
            guard request.path == "/metrics" else {
                return HTTPServerResponse(status: 404, body: "not found: \(request.path) (the planner serves /metrics)\n")
            }
            return HTTPServerResponse(contentType: "text/plain; version=0.0.4; charset=utf-8", body: render())
        }
    }

    private static func help(_ name: String) -> String {
        switch name {
        case "planner:num_p_workers": return "Prefill workers running at the start of the interval"
        case "planner:num_d_workers": return "Decode workers running at the start of the interval"
        case "planner:observed_ttft": return "Observed mean time to first token (ms)"
        case "planner:observed_itl": return "Observed mean inter-token latency (ms)"
        case "planner:observed_request_rate": return "Observed requests per second"
        case "planner:observed_request_duration": return "Observed mean request duration (s)"
        case "planner:observed_isl": return "Observed mean input sequence length"
        case "planner:observed_osl": return "Observed mean output sequence length"
        case "planner:p_correction_factor": return "Prefill correction factor (observed/profiled TTFT)"
        case "planner:d_correction_factor": return "Decode correction factor (observed/profiled ITL)"
        case "planner:predicted_request_rate": return "Predicted requests per second for the next interval"
        case "planner:predicted_isl": return "Predicted mean input sequence length"
        case "planner:predicted_osl": return "Predicted mean output sequence length"
        case "planner:predicted_num_p": return "Prefill replicas decided for the next interval"
        case "planner:predicted_num_d": return "Decode replicas decided for the next interval"
        default: return "Cumulative GPU-hours used by the planned workers"
        }
    }
}
