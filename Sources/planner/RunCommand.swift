import ArgumentParser
import Connectors
import Dispatch
import Foundation
import Logging
import PlannerCore
import PlannerIO

/// Where `planner run` sends its decisions.
enum PlannerEnvironment: String, ExpressibleByArgument, CaseIterable {
    case kubernetes, virtual
}

struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run the live planner against Prometheus and a connector.",
        discussion: """
        Every adjustment interval: read the worker counts from the connector, observe the frontend's \
        metrics in Prometheus, correct the profile by the observed latencies, forecast the next \
        interval's load and scale prefill and decode workers to meet the SLA under the GPU budget. \
        One log line per decision. SIGINT/SIGTERM stop it between intervals. An unreachable \
        Prometheus, etcd or Kubernetes API skips the interval; the planner retries the next one.
        """
    )

    @OptionGroup var planner: PlannerOptions

    @OptionGroup(title: "Fleet") var fleet: FleetOptions

    @Option(help: "Where decisions go: kubernetes (the DynamoGraphDeployment in DYN_PARENT_DGD_K8S_NAME) or virtual (etcd at ETCD_ENDPOINTS).")
    var environment: PlannerEnvironment = .kubernetes

    @Option(help: "Dynamo namespace (metrics label dynamo_namespace, etcd prefix). Default: $DYN_NAMESPACE or dynamo.")
    var namespace: String = ProcessInfo.processInfo.environment["DYN_NAMESPACE"] ?? "dynamo"

    @Option(help: "Backend whose well-known service names are used when a DGD service declares no subComponentType: vllm, sglang, trtllm or mocker.")
    var backend: String = "vllm"

    @Flag(help: "Observe and decide, but do not scale.")
    var noOperation = false

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

    func validate() throws {
        if metricReportingPrometheusPort < 0 || metricReportingPrometheusPort > 65535 {
            throw ValidationError("--metric-reporting-prometheus-port must be 0..65535 (got \(metricReportingPrometheusPort))")
        }
        if maxIntervals < 0 { throw ValidationError("--max-intervals must be 0 or more (got \(maxIntervals))") }
        if !(prometheusTimeout > 0) { throw ValidationError("--prometheus-timeout must be positive (got \(prometheusTimeout))") }
        if leaderTtl < 1 { throw ValidationError("--leader-ttl must be at least 1 s (got \(leaderTtl))") }
    }

    func run() async throws {
        LoggingSystem.bootstrap { StreamLogHandler.standardError(label: $0) }
        do {
            try await live()
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

        let metrics = try PrometheusQueryClient(endpoint: metricPullingPrometheusEndpoint, modelName: model,
                                                namespace: namespace, timeoutSeconds: prometheusTimeout)
        let reporter = PlannerMetricsReporter()
        var server: LoopbackHTTPServer?
        if metricReportingPrometheusPort > 0 {
            server = try await reporter.serve(port: metricReportingPrometheusPort)
            logger.info("serving planner metrics", metadata: ["port": "\(metricReportingPrometheusPort)"])
        }
        let initial = (try? await setup.connector.currentWorkerCounts()) ?? WorkerCounts(prefill: 0, decode: 0)
        let live = LivePlanner(engine: engine, metrics: metrics, connector: setup.connector, sink: reporter,
                               noOperation: noOperation, initialWorkers: initial)
        reporter.publish(live.state, intervalSeconds: settings.intervalSeconds)
        logger.info("planning", metadata: ["model": "\(model)", "namespace": "\(namespace)",
                                           "environment": "\(environment.rawValue)",
                                           "prometheus": "\(metricPullingPrometheusEndpoint)"])

        let signals = Self.onTerminationSignals { live.requestStop() }
        await live.run(maxIntervals: maxIntervals > 0 ? maxIntervals : nil)
        signals.forEach { $0.cancel() }
        await setup.leader?.resign()
        await server?.stop()
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
            var leader: LeaderElection?
            if leaderElection {
                let client = EtcdClient(endpoints: try EtcdEndpoints.fromEnvironment(ProcessInfo.processInfo.environment))
                let election = try LeaderElection(client: client, namespace: namespace, ttlSeconds: Int64(leaderTtl))
                election.start()
                leader = election
            }
            return Setup(connector: try VirtualConnector(namespace: namespace, leaderElection: leader), leader: leader)
        case .kubernetes:
            var required: [ComponentType] = []
            if settings.mode.plansPrefill { required.append(.prefill) }
            if settings.mode.plansDecode { required.append(.decode) }
            let api = try KubernetesAPIClient(configuration: try KubernetesAPIConfiguration.automatic())
            let connector = KubernetesConnector(api: api, deploymentName: try KubernetesConnector.deploymentName(),
                                                backend: backend, requiredComponents: required)
            try await connector.validateDeployment()
            let gpus = try await connector.gpusPerWorker()
            if let p = gpus.prefill { settings.prefillEngineGPUs = p }
            if let d = gpus.decode { settings.decodeEngineGPUs = d }
            logger.info("GPUs per worker", metadata: ["prefill": "\(settings.prefillEngineGPUs)",
                                                      "decode": "\(settings.decodeEngineGPUs)",
                                                      "from": "\(gpus.prefill == nil && gpus.decode == nil ? "flags" : "DGD")"])
            try await connector.waitForDeploymentReady()
            return Setup(connector: connector, leader: nil)
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
