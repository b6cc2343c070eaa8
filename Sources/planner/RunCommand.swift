import ArgumentParser
import Connectors
import Foundation
import Logging
import PlannerCore
import PlannerIO
import ServiceLifecycle
import UnixSignals

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
        One log line per decision. SIGINT/SIGTERM stop it between intervals (exit status 0). An \
        unreachable Prometheus, etcd or Kubernetes API skips the interval; the planner retries the next one.
        """
    )

    @OptionGroup var planner: PlannerOptions

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

    @Option(help: "kubernetes: seconds between polls of the DGD while waiting for it to become Ready (Dynamo: 10).")
    var kubernetesPollInterval: Double = 10

    @Option(help: "kubernetes: longest wait for the DGD to become Ready; also how long a not-Ready DGD holds scale-downs (Dynamo: 1800).")
    var kubernetesReadinessTimeout: Double = 1800

    func validate() throws {
        if metricReportingPrometheusPort < 0 || metricReportingPrometheusPort > 65535 {
            throw ValidationError("--metric-reporting-prometheus-port must be 0..65535 (got \(metricReportingPrometheusPort))")
        }
        if maxIntervals < 0 { throw ValidationError("--max-intervals must be 0 or more (got \(maxIntervals))") }
        if !(prometheusTimeout > 0) { throw ValidationError("--prometheus-timeout must be positive (got \(prometheusTimeout))") }
        if leaderTtl < 1 { throw ValidationError("--leader-ttl must be at least 1 s (got \(leaderTtl))") }
        if !(kubernetesPollInterval > 0 && kubernetesPollInterval <= 3600) {
            throw ValidationError("--kubernetes-poll-interval must be in (0, 3600] s (got \(kubernetesPollInterval))")
        }
        if !(kubernetesReadinessTimeout > 0 && kubernetesReadinessTimeout <= 86_400) {
            throw ValidationError("--kubernetes-readiness-timeout must be in (0, 86400] s (got \(kubernetesReadinessTimeout))")
        }
    }

    /// The planner runs as the one service of a swift-service-lifecycle group: SIGTERM and
    /// SIGINT trigger a graceful shutdown, which cancels the start-up (validation, the wait
    /// for readiness) or ends the live loop between intervals; either way the exit status is 0.
    func run() async throws {
        LoggingSystem.bootstrap { StreamLogHandler.standardError(label: $0) }
        let command = self
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
        let prepared: PreparedRun
        do {
            prepared = try await cancelWhenGracefulShutdown { try await self.prepare(logger: logger) }
        } catch where Task.isShuttingDownGracefully {
            logger.info("stopped during start-up", metadata: ["after": "\(error)"])
            return
        }
        let live = prepared.live
        await withGracefulShutdownHandler {
            await live.run(maxIntervals: maxIntervals > 0 ? maxIntervals : nil)
        } onGracefulShutdown: {
            live.requestStop()
        }
        await prepared.leader?.resign()
        await prepared.server?.stop()
    }

    /// What start-up hands the live loop (built inside a cancellable task, hence Sendable).
    private final class PreparedRun: @unchecked Sendable {
        let live: LivePlanner
        let leader: LeaderElection?
        let server: LoopbackHTTPServer?

        init(live: LivePlanner, leader: LeaderElection?, server: LoopbackHTTPServer?) {
            self.live = live
            self.leader = leader
            self.server = server
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
        return PreparedRun(live: live, leader: setup.leader, server: server)
    }

    private struct Setup {
        var connector: PlannerConnector
        var leader: LeaderElection?
    }

    /// Builds the connector; with Kubernetes, GPUs per worker come from the DGD
    /// when it declares them (the flags are the fallback; RunCommand+Kubernetes.swift).
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
            return Setup(connector: try await connectKubernetes(settings: &settings, logger: logger), leader: nil)
        }
    }
}
