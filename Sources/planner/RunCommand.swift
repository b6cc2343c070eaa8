import ArgumentParser
import Connectors
import Dispatch
import Foundation
import Logging
import PlannerCore
import PlannerIO
import ServiceLifecycle
import UnixSignals

/// Where `planner run` sends its decisions.
enum PlannerEnvironment: String, ExpressibleByArgument, CaseIterable, Sendable {
    case kubernetes, virtual
}

struct RunCommand: AsyncParsableCommand, ConfigurableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run the live planner against Prometheus and a connector.",
        discussion: """
        Every adjustment interval: read the worker counts from the connector, observe the frontend's \
        metrics in Prometheus, correct the profile by the observed latencies, forecast the next \
        interval's load and scale prefill and decode workers to meet the SLA under the GPU budget. \
        One log line per decision. SIGINT/SIGTERM stop it between intervals (exit status 0). An \
        unreachable Prometheus, etcd or Kubernetes API skips the interval; the planner retries the next one.
        """
    )

    @OptionGroup var configOptions: ConfigOptions

    @OptionGroup var planner: PlannerOptions

    @OptionGroup var loadBased: LoadBasedOptions

    @OptionGroup var engineMetrics: EngineMetricsOptions

    @OptionGroup(title: "Fleet") var fleet: FleetOptions

    @Option(help: "Where decisions go: kubernetes (the DynamoGraphDeployment in DYN_PARENT_DGD_K8S_NAME) or virtual (etcd at ETCD_ENDPOINTS).")
    var environment: PlannerEnvironment = .kubernetes

    @Option(help: "Dynamo namespace (metrics label dynamo_namespace, etcd prefix). Default: $DYN_NAMESPACE or dynamo.")
    var namespace: String = ProcessInfo.processInfo.environment["DYN_NAMESPACE"] ?? "dynamo"

    @Option(help: "Backend whose well-known service names are used when a DGD service declares no subComponentType: vllm, sglang, trtllm or mocker.")
    var backend: String = "vllm"

    @Flag(help: "Observe and decide, but do not scale (Dynamo 1.0.2's spelling of --advisory).")
    var noOperation = false

    @Flag(help: "Decide, log and export metrics (and with virtual, publish under v1/NS/planner/advisory/ in etcd), but never scale.")
    var advisory = false

    @Flag(help: "Do not scale demand by the observed/profiled latency ratios.")
    var noCorrection = false

    @Option(help: "Served model name (required with --environment virtual; checked against the DGD with kubernetes).")
    var modelName: String?

    @Option(help: "Prometheus to read the frontend's metrics from. Default: $PROMETHEUS_ENDPOINT or http://localhost:9090.")
    var metricPullingPrometheusEndpoint: String = ProcessInfo.processInfo.environment["PROMETHEUS_ENDPOINT"] ?? "http://localhost:9090"

    @Option(help: "Port of the planner's own /metrics (0: off). Default: $PLANNER_PROMETHEUS_PORT or 0.")
    var metricReportingPrometheusPort: Int = Int(ProcessInfo.processInfo.environment["PLANNER_PROMETHEUS_PORT"] ?? "") ?? 0

    @Option(help: "Seconds a Prometheus query may take before the interval is skipped.")
    var prometheusTimeout: Double = 10

    @Flag(help: "virtual: campaign for leadership in etcd; only the leader writes decisions (standbys take over).")
    var leaderElection = false

    @Option(help: "virtual: seconds the leader's etcd lease lives without renewal.")
    var leaderTtl: Int = 15

    @Option(help: "Stop after this many intervals (0: run until SIGINT/SIGTERM).")
    var maxIntervals: Int = 0

    @Option(help: "kubernetes: seconds between polls of the DGD while waiting for it to become Ready (Dynamo: 10).")
    var kubernetesPollInterval: Double = 10

    @Option(help: "kubernetes: longest wait for the DGD to become Ready; also how long a not-Ready DGD holds scale-downs (Dynamo: 1800).")
    var kubernetesReadinessTimeout: Double = 1800

    @Option(help: "Write a self-contained HTML report of the run here (rewritten every --report-interval-hours and at exit).")
    var report: String?

    @Option(help: "Hours of planner time between rewrites of --report.")
    var reportIntervalHours: Double = 24

    @OptionGroup var prometheusAccess: PrometheusAccessOptions

    @OptionGroup var serving: ServingOptions

    func validateAfterConfig() throws {
        try validate()
        try planner.validate()
        try planner.profileFlags.validate()
        try planner.predictor.tuning.validate()
        try prometheusAccess.validate()
        try serving.validate()
        try fleet.validate()
    }

    @OptionGroup(title: "etcd credentials (--environment virtual)") var etcd: EtcdOptions

    func validate() throws {
        try NumericFlag.check("--metric-reporting-prometheus-port", metricReportingPrometheusPort, PlannerLimits.port)
        try NumericFlag.check("--max-intervals", maxIntervals, NumericFlag.intervalCount)
        try NumericFlag.check("--prometheus-timeout", prometheusTimeout, PlannerLimits.waitSeconds)
        try NumericFlag.check("--leader-ttl", leaderTtl, PlannerLimits.leaseSeconds)
        if !(reportIntervalHours.isFinite && reportIntervalHours > 0 && reportIntervalHours <= 8760) {
            throw ValidationError("--report-interval-hours must be a number of hours in (0, 8760] (got \(reportIntervalHours))")
        }
        if !(kubernetesPollInterval > 0 && kubernetesPollInterval <= 3600) {
            throw ValidationError("--kubernetes-poll-interval must be in (0, 3600] s (got \(kubernetesPollInterval))")
        }
        if !(kubernetesReadinessTimeout > 0 && kubernetesReadinessTimeout <= 86_400) {
            throw ValidationError("--kubernetes-readiness-timeout must be in (0, 86400] s (got \(kubernetesReadinessTimeout))")
        }
        if planner.predictor.loadPredictor == .oracle {
            throw ValidationError("--load-predictor oracle knows the future load: it runs in dryrun and replay only, not in run")
        }
    }

    /// The planner runs as the one service of a swift-service-lifecycle group: SIGTERM and
    /// SIGINT trigger a graceful shutdown, which cancels the start-up (validation, the wait
    /// for readiness) or ends the live loop between intervals; either way the exit status is 0.
    func run() async throws {
        LoggingSystem.bootstrap { StreamLogHandler.standardError(label: $0) }
        let command = try withConfig { FileHandle.standardError.write(Data("planner run: warning: \($0)\n".utf8)) }
        let service = ServiceGroupConfiguration.ServiceConfiguration(
            service: ClosureService { try await command.live() },
            successTerminationBehavior: .gracefullyShutdownGroup, failureTerminationBehavior: .cancelGroup,
            serviceName: "planner")
        let group = ServiceGroup(configuration: ServiceGroupConfiguration(
            services: [service], gracefulShutdownSignals: [.sigterm, .sigint],
            logger: Logger(label: "planner.lifecycle")))
        do {
            try await group.run()
        } catch let e as ValidationError {
            throw e
        } catch {
            FileHandle.standardError.write(Data("planner run: error: \(error)\n".utf8))
            throw ExitCode.failure
        }
    }

    private func live() async throws {
        let logger = Logger(label: "planner.run")
        if fleet.isFleet { return try await runFleet(logger: logger) }
        let prepared: PreparedRun
        do {
            prepared = try await cancelWhenGracefulShutdown { try await self.prepare(logger: logger) }
        } catch where Task.isShuttingDownGracefully {
            logger.info("stopped during start-up", metadata: ["after": "\(error)"])
            return
        }
        let live = prepared.live, reactive = prepared.reactive
        let reactiveTask = reactive.map { loop in Task { await loop.run() } }
        await withGracefulShutdownHandler {
            await live.run(maxIntervals: maxIntervals > 0 ? maxIntervals : nil)
        } onGracefulShutdown: {
            live.requestStop()
            if let reactive { Task { await reactive.requestStop() } }
        }
        if let reactive { await reactive.requestStop() }
        await reactiveTask?.value
        prepared.recorder?.write()
        await prepared.leader?.resign()
        for server in prepared.servers { await server.stop() }
    }

    /// What start-up hands the live loop (built inside a cancellable task, hence Sendable).
    private final class PreparedRun: @unchecked Sendable {
        let live: LivePlanner
        let leader: LeaderElection?
        let servers: [PlannerHTTPServer]
        let recorder: LiveReportRecorder?
        let reactive: LiveLoadBasedLoop?

        init(live: LivePlanner, leader: LeaderElection?, servers: [PlannerHTTPServer], recorder: LiveReportRecorder?,
             reactive: LiveLoadBasedLoop?) {
            self.reactive = reactive
            self.live = live
            self.leader = leader
            self.servers = servers
            self.recorder = recorder
        }
    }

    private func prepare(logger: Logger) async throws -> PreparedRun {
        var settings = try planner.plannerSettings(correctionEnabled: !noCorrection)
        let profile = try ProfileLoader.load(directory: planner.profileFlags.profileResultsDir)

        let setup = try await connect(settings: &settings, logger: logger)
        let model = try await setup.connector.modelName(requested: modelName)
        let engine = try planner.decisionEngine(settings: settings, profile: profile)
        if let history = planner.warmupHistory(intervalSeconds: settings.intervalSeconds,
                                               warn: { logger.warning("\($0)") }) {
            engine.warmUp(with: history.intervals)
        }
        if let warning = settings.budgetBelowMinimumWarning { logger.warning("\(warning)") }

        let access = try prometheusAccess.access()
        try access.check()
        let metrics = try PrometheusQueryClient(endpoint: metricPullingPrometheusEndpoint, modelName: model,
                                                namespace: namespace, timeoutSeconds: prometheusTimeout, access: access)
        if engine.headroom.targetAttainment != nil {
            // SLA feedback live: the frontend's TTFT and ITL histograms say how many met the SLA.
            metrics.attainmentThresholds = (settings.ttftMilliseconds / 1000, settings.itlMilliseconds / 1000)
        }
        let controls = PlannerControls(settings: engine.settings)
        let reporter = PlannerMetricsReporter(settings: engine.settings, advisory: advisory, controls: controls)
        var recorder: LiveReportRecorder?
        if let report {
            try OutputPath.checkWritable(report, what: "HTML report")
            recorder = LiveReportRecorder(path: report, everyHours: reportIntervalHours, settings: engine.settings,
                                          configuration: Self.configSchema.renderYAML(self),
                                          warn: { logger.warning("report not written: \($0)") })
        }
        let sink = PlannerStateSinks([reporter] + (recorder.map { [$0] } ?? []))
        var servers: [PlannerHTTPServer] = []
        if metricReportingPrometheusPort > 0 {
            servers.append(try await reporter.serve(host: serving.metricReportingHost, port: metricReportingPrometheusPort))
            logger.info("serving planner metrics", metadata: ["address": "\(serving.metricReportingHost):\(metricReportingPrometheusPort)"])
        }
        if serving.controlApiPort > 0 {
            let api = ControlAPI(controls: controls)
            servers.append(try await PlannerHTTPServer.start(host: serving.controlApiHost, port: serving.controlApiPort,
                                                             routes: api.routes, what: "--control-api-port"))
            logger.info("control API", metadata: ["address": "\(serving.controlApiHost):\(serving.controlApiPort)"])
        }
        let initial = (try? await setup.connector.currentWorkerCounts()) ?? WorkerCounts(prefill: 0, decode: 0)
        var publisher: AdvisoryPublisher?
        if advisory, environment == .virtual {
            publisher = try AdvisoryKeysPublisher(namespace: namespace)
        }
        // Load-based mode: a faster loop on the engines' load; the planner's answers become its floors.
        let reactive = try loadBasedLoop(settings: settings, model: model, connector: setup.connector, initial: initial)
        let connector: PlannerConnector = reactive.map { loop in
            LoadBasedFloorConnector(inner: setup.connector, controller: loop.controller) { _ = await loop.step() }
        } ?? setup.connector
        let live = LivePlanner(engine: engine, metrics: metrics, connector: connector, sink: sink,
                               noOperation: noOperation || advisory, initialWorkers: initial,
                               advisory: publisher, controls: controls)
        reporter.publish(live.state, intervalSeconds: settings.intervalSeconds)
        logger.info("planning", metadata: ["model": "\(model)", "namespace": "\(namespace)",
                                           "environment": "\(environment.rawValue)",
                                           "prometheus": "\(metricPullingPrometheusEndpoint)"])
        return PreparedRun(live: live, leader: setup.leader, servers: servers, recorder: recorder, reactive: reactive)
    }

    /// The load-based loop of --load-based (nil without it or with --no-operation).
    private func loadBasedLoop(settings: PlannerSettings, model: String, connector: PlannerConnector,
                               initial: WorkerCounts) throws -> LiveLoadBasedLoop? {
        guard let lb = try loadBased.settings(), !noOperation, !advisory else { return nil }
        let client = try PrometheusQueryClient(endpoint: metricPullingPrometheusEndpoint, modelName: model,
                                               namespace: namespace, timeoutSeconds: prometheusTimeout,
                                               access: try prometheusAccess.access())
        var selectors: [ComponentType: String] = [:]
        if settings.mode.plansPrefill { selectors[.prefill] = engineMetrics.prefillSelector }
        if settings.mode.plansDecode { selectors[.decode] = engineMetrics.decodeSelector }
        let source = PrometheusLoadSignals(reader: EngineLoadReader(client: client, names: try engineMetrics.names()),
                                           selectors: selectors)
        let floors: [ComponentType: Int] = [.prefill: initial.prefill, .decode: initial.decode]
        let controller = LoadBasedController(settings: lb, aggregated: false, maxWorkers: 0, floors: floors)
        return LiveLoadBasedLoop(controller: controller, source: source, connector: connector, initial: floors)
    }

    private struct Setup {
        var connector: PlannerConnector
        var leader: LeaderElection?
    }

    /// Builds the connector; with Kubernetes, GPUs per worker come from the DGD
    /// when it declares them (the flags are the fallback).
    private func connect(settings: inout PlannerSettings, logger: Logger) async throws -> Setup {
        switch environment {
        case .virtual:
            // One client: the decisions and the leader election share one token and one TLS setup.
            let client = try etcd.client(logger: Logger(label: "planner.etcd"), warn: { logger.warning("\($0)") })
            let keys = try VirtualConnectorKeys(namespace: namespace)
            if let unavailable = try await client.checkAccess(prefix: keys.prefix) {
                logger.warning("etcd not reachable yet (\(unavailable)); retrying every interval")
            }
            var leader: LeaderElection?
            if leaderElection {
                let election = try LeaderElection(client: client, namespace: namespace, ttlSeconds: Int64(leaderTtl))
                election.start()
                leader = election
            }
            let connector = try VirtualConnector(client: client, namespace: namespace,
                                                 timing: try VirtualConnectorTiming.fromEnvironment(),
                                                 leaderElection: leader)
            return Setup(connector: connector, leader: leader)
        case .kubernetes:
            return Setup(connector: try await connectKubernetes(settings: &settings, logger: logger), leader: nil)
        }
    }

    /// SIGINT/SIGTERM call `stop` instead of killing the process, so the loop ends between intervals.
    static func onTerminationSignals(_ stop: @escaping @Sendable () -> Void) -> [DispatchSourceSignal] {
        [SIGINT, SIGTERM].map { sig in
            signal(sig, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: sig, queue: .global())
            source.setEventHandler(handler: stop)
            source.resume()
            return source
        }
    }
}
