import PlannerCore
import PlannerIO

extension RunCommand {
    static let configFields: [ConfigField<RunCommand>] =
        PlannerOptions.configFields.map { $0.lifted(\RunCommand.planner) } + [
            .choice("environment", \.environment, flag: "--environment",
                    help: "Where decisions go: kubernetes or virtual (Dynamo's global-planner is not implemented)."),
            .text("namespace", \.namespace, flag: "--namespace", help: "Dynamo namespace (default $DYN_NAMESPACE or dynamo)."),
            .text("backend", \.backend, flag: "--backend", allowed: ["vllm", "sglang", "trtllm", "mocker"],
                  help: "Backend whose well-known service names are used."),
            .boolean("advisory", \.advisory, flag: "--advisory", help: "Decide, log and export, but never scale."),
            .boolean("no_operation", \.noOperation, flag: "--no-operation", help: "Dynamo 1.0.2's spelling of advisory."),
            .boolean("no_correction", \.noCorrection, flag: "--no-correction",
                     help: "Do not scale demand by the observed/profiled latency ratios."),
            .optionalText("model_name", \.modelName, flag: "--model-name", help: "Served model name."),
            .text("metric_pulling_prometheus_endpoint", \.metricPullingPrometheusEndpoint,
                  flag: "--metric-pulling-prometheus-endpoint", help: "Prometheus to read the frontend's metrics from."),
            .number("metric_pulling_prometheus_request_timeout_seconds", \.prometheusTimeout, flag: "--prometheus-timeout",
                    rule: .range(0.001...3600), help: "Seconds a Prometheus query may take."),
            .integer("metric_reporting_prometheus_port", \.metricReportingPrometheusPort,
                     flag: "--metric-reporting-prometheus-port", range: 0...65535, help: "Port of the planner's own /metrics (0: off)."),
            .boolean("leader_election", \.leaderElection, flag: "--leader-election",
                     help: "virtual: campaign for leadership in etcd."),
            .integer("leader_ttl", \.leaderTtl, flag: "--leader-ttl", range: 1...86_400,
                     help: "virtual: seconds the leader's lease lives without renewal."),
            .optionalText("report", \.report, flag: "--report", help: "Write the self-contained HTML report of the run here."),
            .number("report_interval_hours", \.reportIntervalHours, flag: "--report-interval-hours", rule: .range(0.001...8760),
                    nullKeepsDefault: true, help: "Hours of planner time between rewrites of the report (null: the default)."),
            .integer("max_intervals", \.maxIntervals, flag: "--max-intervals", range: 0...PlannerSettings.largestCount,
                     help: "Stop after this many intervals (0: until SIGINT/SIGTERM)."),
        ]
        + PrometheusAccessOptions.configFields.map { $0.lifted(\RunCommand.prometheusAccess) }
        + ServingOptions.configFields.map { $0.lifted(\RunCommand.serving) }
        + FleetOptions.configFields.map { $0.lifted(\RunCommand.fleet) }
}

extension DryrunCommand {
    static let configFields: [ConfigField<DryrunCommand>] =
        PlannerOptions.configFields.map { $0.lifted(\DryrunCommand.planner) } + [
            .text("dataset", \.dataset, flag: "--dataset", help: "Trace: file, directory or glob."),
            .integer("start_num_p", \.startNumP, flag: "--start-num-p", range: 0...PlannerSettings.largestCount,
                     help: "Prefill workers running in the first interval."),
            .integer("start_num_d", \.startNumD, flag: "--start-num-d", range: 0...PlannerSettings.largestCount,
                     help: "Decode workers running in the first interval."),
            .optionalText("output_plot", \.outputPlot, flag: "--output-plot", help: "Write the four-panel chart here."),
            .optionalText("output_json", \.outputJson, flag: "--output-json", help: "Write the series as JSON here."),
            .optionalText("report", \.report, flag: "--report", help: "Write the self-contained HTML report here."),
        ]
}
