import PlannerCore
import Prometheus

/// The planner's own Prometheus gauges, fed by the live loop and rendered in the
/// Prometheus text format: Dynamo 1.0.2's `planner:*` names (docs/behaviour.md §5) and Dynamo
/// 1.x's `dynamo_planner_*` names with the decision explanation (`DynamoPlannerGauges`).
public final class PlannerMetricsReporter: PlannerStateSink, @unchecked Sendable {
    /// The gauge names, in the order docs/behaviour.md §5 lists them.
    public static let gaugeNames = [
        "planner:num_p_workers", "planner:num_d_workers",
        "planner:observed_ttft", "planner:observed_itl", "planner:observed_request_rate",
        "planner:observed_request_duration", "planner:observed_isl", "planner:observed_osl",
        "planner:p_correction_factor", "planner:d_correction_factor",
        "planner:predicted_request_rate", "planner:predicted_isl", "planner:predicted_osl",
        "planner:predicted_num_p", "planner:predicted_num_d", "planner:gpu_hours",
    ]

    /// Every `dynamo_planner_*` metric name exported (the Grafana dashboard may use only these and `gaugeNames`).
    public static var dynamoMetricNames: [String] { DynamoPlannerGauges.names }

    public let registry = PrometheusCollectorRegistry()
    private var gauges: [String: Gauge] = [:]
    private let dynamo: DynamoPlannerGauges
    /// Settings and flags the `dynamo_planner_*` gauges report; the live loop's settings by default.
    public var settings: PlannerSettings
    public var advisory: Bool
    /// Read for `dynamo_planner_paused` (and the runtime limits) when given.
    public var controls: PlannerControls?

    public init(settings: PlannerSettings = PlannerSettings(), advisory: Bool = false, controls: PlannerControls? = nil) {
        self.settings = settings
        self.advisory = advisory
        self.controls = controls
        for name in Self.gaugeNames {
            gauges[name] = registry.makeGauge(
                descriptor: MetricNameDescriptor(metricName: name, unitName: "", helpText: Self.help(name)))
        }
        dynamo = DynamoPlannerGauges(registry: registry)
    }

    /// Sets one gauge by its full name; unknown names are ignored.
    public func set(_ name: String, _ value: Double) {
        gauges[name]?.set(value)
    }

    public func publish(_ state: PlannerState, intervalSeconds: Int) {
        let interval = Double(max(1, intervalSeconds))
        for gauge in DynamoPlannerGauges.stateValues {
            guard let legacy = gauge.legacy, let v = gauge.read(state, interval) else { continue }
            set(legacy, v)
        }
        let effective = controls?.effectiveSettings ?? settings
        dynamo.publish(state, intervalSeconds: intervalSeconds, settings: effective,
                       paused: controls?.isPaused ?? false, advisory: advisory)
    }

    /// The exposition text served on /metrics.
    public func render() -> String {
        var bytes: [UInt8] = []
        registry.emit(into: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    /// The routes of the planner's metrics port: `GET /metrics` (this registry) and `GET /health`.
    public var routes: [PlannerHTTPServer.Route] { Self.routes(render: { [self] in render() }) }

    /// `GET /metrics` answered by `render`, and `GET /health`.
    static func routes(render: @escaping @Sendable () -> String) -> [PlannerHTTPServer.Route] {
        [
            PlannerHTTPServer.Route("GET", "/metrics") { _ in
                HTTPServerResponse(contentType: "text/plain; version=0.0.4; charset=utf-8", body: render())
            },
            PlannerHTTPServer.Route("GET", "/health") { _ in HTTPServerResponse(body: "ok\n") },
        ]
    }

    /// Serves `routes` at `host:port` (port 0 = any free port; host `0.0.0.0` = every interface,
    /// which Prometheus needs to scrape the pod address).
    public func serve(host: String = "0.0.0.0", port: Int,
                      limits: PlannerHTTPServer.Limits = PlannerHTTPServer.Limits()) async throws -> PlannerHTTPServer {
        try await PlannerHTTPServer.start(host: host, port: port, routes: routes, limits: limits)
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
