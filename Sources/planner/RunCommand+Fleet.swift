import ArgumentParser
import Connectors
import Foundation
import Logging
import PlannerCore
import PlannerIO

/// `planner run --managed-namespaces a,b,c` (or `--discover`, or a config's `deployments`):
/// one process plans several deployments, each with its own settings, from one batched
/// metrics read per interval under one GPU budget.
extension RunCommand {
    func runFleet(logger: Logger) async throws {
        guard let model = modelName, !model.isEmpty else {
            throw ValidationError("a fleet needs --model-name (the model its deployments serve unless their config entry names another)")
        }
        if leaderElection {
            throw ValidationError("--leader-election is not available in a fleet yet")
        }
        let names = try fleet.namespaces()
        let deployments = try fleetDeployments()
        let place = try fleetEnvironment(deployments: deployments, model: model, logger: logger)
        let factory = FleetMemberFactory(defaults: planner, deployments: deployments, fleet: fleet,
                                         flagWeights: try fleet.flagWeights(listed: names), correctionEnabled: !noCorrection,
                                         model: model, environment: place.environment, logger: logger)
        var members: [FleetMember] = []
        for name in names {
            if let m = await factory.make(name) { members.append(m) }
        }
        if fleet.discover, let found = await factory.discover(current: members, listed: names) { members = found }
        guard !members.isEmpty || fleet.discover else {
            throw ValidationError("fleet: no deployment could be set up (see the lines above)")
        }
        let makeConnector = place.makeConnector
        let batched = makeConnector(members)
        let initial = await batched.currentWorkerCounts(of: members.map(\.name))
        for (m, counts) in zip(members, initial) { if case let .success(w) = counts { m.start(with: w) } }
        let settings = try planner.plannerSettings(correctionEnabled: !noCorrection)
        let reader = try PrometheusFleetReader(endpoint: metricPullingPrometheusEndpoint, timeoutSeconds: prometheusTimeout)
        let planner = FleetPlanner(members: members, maxTotalGPUs: fleet.maxTotalGPUs, minTotalGPUs: fleet.minTotalGPUs,
                                   noOperation: noOperation, connector: batched,
                                   makeConnector: makeConnector)
        var registry: FleetReplicaRegistry?
        var heartbeats: Task<Void, Never>?
        if let id = fleet.fleetReplicaID, let etcd = place.etcd {
            let r = try FleetReplicaRegistry(client: etcd, fleet: fleet.fleetName, replicaID: id,
                                             ttlSeconds: Int64(fleet.fleetLeaseTTL))
            registry = r
            // Renewed on its own clock, three times per TTL, whatever the interval.
            let period = UInt64(max(0.2, Double(fleet.fleetLeaseTTL) / 3) * 1e9)
            heartbeats = Task {
                while !Task.isCancelled {
                    do { try await r.heartbeat() } catch { logger.warning("fleet lease not renewed", metadata: ["reason": "\(error)"]) }
                    try? await Task.sleep(nanoseconds: period)
                }
            }
        }
        let owned: (() async throws -> Set<String>)? = registry.map { r in
            {
                let live = try await r.liveReplicas()
                let mine = FleetSharding.owned(by: r.replicaID, of: planner.members.map(\.name), among: live)
                logger.info("fleet shard", metadata: ["replica": "\(r.replicaID)", "live_replicas": "\(live.joined(separator: ","))",
                                                      "planned_here": "\(mine.count)"])
                return Set(mine)
            }
        }
        let reporter = try await fleetGauges(planner, factory: factory, logger: logger)
        let every = fleet.discoverEvery
        let membership: ((Int) async -> [FleetMember]?)? = fleet.discover ? { k in
            // Interval 1 uses the discovery made at start-up.
            k > 1 && (k - 1) % every == 0 ? await factory.discover(current: planner.members, listed: names) : nil
        } : nil
        let signals = Self.onTerminationSignals { planner.requestStop() }
        await planner.run(intervalSeconds: settings.intervalSeconds, maxIntervals: maxIntervals > 0 ? maxIntervals : nil,
                          owned: owned, membership: membership, onInterval: { result in
                              reporter?.reporter.publish(members: planner.members, outcomes: result.outcomes,
                                                         intervalSeconds: settings.intervalSeconds,
                                                         maxTotalGPUs: fleet.maxTotalGPUs, minTotalGPUs: fleet.minTotalGPUs,
                                                         notSetUp: factory.failed.count)
                          }) { interval in
            let members = planner.members
            let keys = members.map { FleetMetricsKey(namespace: $0.name, model: factory.model(for: $0.name)) }
            // SLA feedback: the frontend's TTFT and ITL histograms say how many met each member's SLA.
            var thresholds: [FleetMetricsKey: (ttftSeconds: Double, itlSeconds: Double)] = [:]
            for (m, key) in zip(members, keys) where m.engine.headroom.targetAttainment != nil {
                thresholds[key] = (m.engine.settings.ttftMilliseconds / 1000, m.engine.settings.itlMilliseconds / 1000)
            }
            let observed = try await reader.observe(keys, intervalSeconds: interval, attainmentThresholds: thresholds)
            return Dictionary(observed.map { ($0.key.namespace, $0.value) }, uniquingKeysWith: { a, _ in a })
        }
        signals.forEach { $0.cancel() }
        heartbeats?.cancel()
        await registry?.leave()
        await reporter?.server.stop()
    }

    /// The config file's `deployments`, each over the fleet's defaults (empty without a config).
    /// Entries not planned (--managed-namespaces given on the command line) only get a warning.
    func fleetDeployments() throws -> [FleetDeployment] {
        guard let argument = configOptions.config else { return [] }
        let document = try ConfigDocument.load(argument: argument)
        let deployments = try FleetConfig.deployments(in: document, defaults: planner)
        if !fleet.discover, let listed = try? Set(fleet.namespaces()) {
            let unplanned = deployments.map(\.namespace).filter { !listed.contains($0) }
            if !unplanned.isEmpty {
                FileHandle.standardError.write(Data(("planner run: warning: \(document.source): deployments not in "
                    + "--managed-namespaces are not planned: \(unplanned.joined(separator: ", "))\n").utf8))
            }
        }
        return deployments
    }

    /// With --metric-reporting-prometheus-port: the fleet's gauges, served and published once before the first interval.
    func fleetGauges(_ planner: FleetPlanner, factory: FleetMemberFactory,
                     logger: Logger) async throws -> (reporter: FleetMetricsReporter, server: PlannerHTTPServer)? {
        guard metricReportingPrometheusPort > 0 else { return nil }
        let reporter = FleetMetricsReporter(advisory: advisory || noOperation)
        let interval = planner.members.first?.engine.settings.intervalSeconds ?? 60
        reporter.publish(members: planner.members, outcomes: nil, intervalSeconds: interval, maxTotalGPUs: fleet.maxTotalGPUs,
                         minTotalGPUs: fleet.minTotalGPUs, notSetUp: factory.failed.count)
        let server = try await PlannerHTTPServer.start(host: serving.metricReportingHost, port: metricReportingPrometheusPort,
                                                       routes: reporter.routes, what: "--metric-reporting-prometheus-port")
        logger.info("serving fleet metrics", metadata: ["address": "\(serving.metricReportingHost):\(metricReportingPrometheusPort)"])
        return (reporter, server)
    }
}
