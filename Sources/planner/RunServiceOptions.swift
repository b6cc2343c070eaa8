import ArgumentParser
import Connectors
import Foundation
import PlannerIO

extension ThroughputMetricsSource: ExpressibleByArgument {}

/// How `run` reaches a hardened Prometheus (Dynamo 1.x's `metric_pulling_prometheus_*`).
struct PrometheusAccessOptions: ParsableArguments {
    private static let env = ProcessInfo.processInfo.environment

    @Option(help: "Bearer token sent to Prometheus. Default: $PROMETHEUS_TOKEN.")
    var metricPullingPrometheusToken: String?

    @Option(help: "File holding the bearer token, re-read before every query (rotated tokens). Default: $PROMETHEUS_TOKEN_FILE.")
    var metricPullingPrometheusTokenFile: String?

    @Option(help: "CA bundle (PEM) that signs Prometheus' certificate. Default: $PROMETHEUS_CA_BUNDLE.")
    var metricPullingPrometheusCaBundle: String?

    @Option(help: "Verify Prometheus' TLS certificate (false accepts any). Default: $PROMETHEUS_SSL_VERIFY, else true.")
    var metricPullingPrometheusSslVerify: Bool = ProcessInfo.processInfo.environment["PROMETHEUS_SSL_VERIFY"].map { ["1", "true", "yes"].contains($0.lowercased()) } ?? true

    @Option(help: "Query parameters added to every Prometheus query, as a=1&b=2. Default: $PROMETHEUS_EXTRA_QUERY_PARAMS.")
    var metricPullingPrometheusExtraQueryParams: String?

    @Option(help: "Traffic metrics from the frontend (dynamo_frontend_*, per model) or a local router (dynamo_component_router_*, per namespace).")
    var throughputMetricsSource: ThroughputMetricsSource = .frontend

    func access() throws -> PrometheusAccess {
        let env = Self.env
        let params: [PrometheusAccess.QueryParameter]
        do {
            params = try (metricPullingPrometheusExtraQueryParams ?? env["PROMETHEUS_EXTRA_QUERY_PARAMS"]).map(PrometheusAccess.parseQuery) ?? []
        } catch {
            throw ValidationError("--metric-pulling-prometheus-extra-query-params: \(error)")
        }
        return PrometheusAccess(token: metricPullingPrometheusToken ?? env["PROMETHEUS_TOKEN"],
                                tokenFile: metricPullingPrometheusTokenFile ?? env["PROMETHEUS_TOKEN_FILE"],
                                caBundle: metricPullingPrometheusCaBundle ?? env["PROMETHEUS_CA_BUNDLE"],
                                verifyTLS: metricPullingPrometheusSslVerify,
                                extraQueryParameters: params, source: throughputMetricsSource)
    }

    func validate() throws {
        _ = try access()
    }

    static let configFields: [ConfigField<PrometheusAccessOptions>] = [
        .optionalText("metric_pulling_prometheus_token", \.metricPullingPrometheusToken, flag: "--metric-pulling-prometheus-token",
                      help: "Bearer token sent to Prometheus."),
        .optionalText("metric_pulling_prometheus_token_file", \.metricPullingPrometheusTokenFile,
                      flag: "--metric-pulling-prometheus-token-file", help: "File holding the bearer token, re-read before every query."),
        .optionalText("metric_pulling_prometheus_ca_bundle", \.metricPullingPrometheusCaBundle,
                      flag: "--metric-pulling-prometheus-ca-bundle", help: "CA bundle (PEM) that signs Prometheus' certificate."),
        .boolean("metric_pulling_prometheus_ssl_verify", \.metricPullingPrometheusSslVerify,
                 flag: "--metric-pulling-prometheus-ssl-verify", help: "Verify Prometheus' TLS certificate."),
        .queryParameters("metric_pulling_prometheus_extra_query_params", \.metricPullingPrometheusExtraQueryParams,
                         flag: "--metric-pulling-prometheus-extra-query-params", help: "Query parameters added to every Prometheus query."),
        .choice("throughput_metrics_source", \.throughputMetricsSource, flag: "--throughput-metrics-source",
                help: "Traffic metrics from the frontend or a local router."),
    ]
}

/// The planner's own endpoints: /metrics and /health, and the control API.
struct ServingOptions: ParsableArguments {
    @Option(help: "Address the /metrics and /health port listens on (default: every interface, so Prometheus can scrape the pod address).")
    var metricReportingHost: String = "0.0.0.0"

    @Option(help: "Port of the control API (GET/PATCH /v1/min-endpoints, GET /v1/state, POST /v1/pause|resume); 0: off.")
    var controlApiPort: Int = 0

    @Option(help: "Address the control API listens on. Loopback by default; anything else exposes an unauthenticated API.")
    var controlApiHost: String = "127.0.0.1"

    func validate() throws {
        if !(0...65535).contains(controlApiPort) {
            throw ValidationError("--control-api-port must be 0..65535 (got \(controlApiPort))")
        }
        for (flag, host) in [("--metric-reporting-host", metricReportingHost), ("--control-api-host", controlApiHost)]
        where host.trimmingCharacters(in: .whitespaces).isEmpty || host.contains("/") {
            throw ValidationError("\(flag) must be an IP address or host name (got '\(host)')")
        }
    }

    static let configFields: [ConfigField<ServingOptions>] = [
        .text("metric_reporting_host", \.metricReportingHost, flag: "--metric-reporting-host",
              help: "Address the /metrics and /health port listens on."),
        .integer("control_api_port", \.controlApiPort, flag: "--control-api-port", range: 0...65535,
                 help: "Port of the control API (0: off)."),
        .text("control_api_host", \.controlApiHost, flag: "--control-api-host",
              help: "Address the control API listens on (loopback unless you mean to expose it)."),
    ]
}
