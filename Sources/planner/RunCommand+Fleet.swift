import ArgumentParser
import Connectors
import Foundation
import Logging
import PlannerCore
import PlannerIO

/// `planner run --managed-namespaces a,b,c`: one process plans several
/// deployments from one batched metrics read per interval under one GPU budget.
extension RunCommand {
    func runFleet(logger: Logger) async throws {
        guard environment == .virtual else {
            throw ValidationError("--managed-namespaces needs --environment virtual (a Kubernetes fleet is not built yet)")
        }
        guard let model = modelName, !model.isEmpty else {
            throw ValidationError("--managed-namespaces needs --model-name (the model every managed deployment serves)")
        }
        if leaderElection {
            throw ValidationError("--leader-election is not available with --managed-namespaces yet")
        }
        if metricReportingPrometheusPort > 0 {
            logger.warning("--metric-reporting-prometheus-port is ignored with --managed-namespaces (no fleet gauges yet)")
        }
        let names = try fleet.namespaces()
        let weights = try fleet.weights(for: names)
        var settings = try planner.plannerSettings(correctionEnabled: !noCorrection)
        settings.maxGPUBudget = -1 // the fleet budget replaces the per-deployment one
        let environmentVariables = ProcessInfo.processInfo.environment
        // The single-deployment path's client: endpoints, credentials and TLS from the etcd flags/environment.
        let etcd = try self.etcd.client(logger: Logger(label: "planner.etcd"), warn: { logger.warning("\($0)") })
        let timing = try VirtualConnectorTiming.fromEnvironment(environmentVariables)
        let history = planner.warmupHistory(intervalSeconds: settings.intervalSeconds, warn: { logger.warning("\($0)") })

        var members: [FleetMember] = []
        for name in names {
            let directory = fleet.fleetProfileRoot.map { URL(fileURLWithPath: $0).appendingPathComponent(name).path }
                ?? planner.profileFlags.profileResultsDir
            do {
                let profile = try ProfileLoader.load(directory: directory)
                let engine = try planner.decisionEngine(settings: settings, profile: profile)
                if let history { engine.warmUp(with: history.intervals) }
                let connector = try VirtualConnector(client: etcd, namespace: name, timing: timing)
                members.append(FleetMember(name: name, engine: engine, connector: connector, weight: weights[name] ?? 1))
            } catch {
                let line = "planner run: deployment '\(name)' skipped: \(error)\n"
                FileHandle.standardError.write(Data(line.utf8))
            }
        }
        guard !members.isEmpty else {
            throw ValidationError("--managed-namespaces: no deployment could be set up (see the lines above)")
        }
        // Every member's etcd keys in a few transactions per interval (docs/fleet.md).
        let batched = try FleetVirtualConnector(client: etcd, namespaces: members.map(\.name), timing: timing)
        let initial = await batched.currentWorkerCounts(of: members.map(\.name))
        for (m, counts) in zip(members, initial) { if case let .success(w) = counts { m.start(with: w) } }
        let reader = try PrometheusFleetReader(endpoint: metricPullingPrometheusEndpoint, timeoutSeconds: prometheusTimeout)
        let keys = members.map { FleetMetricsKey(namespace: $0.name, model: model) }
        let planner = FleetPlanner(members: members, maxTotalGPUs: fleet.maxTotalGPUs, minTotalGPUs: fleet.minTotalGPUs,
                                   noOperation: noOperation, connector: batched)
        var registry: FleetReplicaRegistry?
        var heartbeats: Task<Void, Never>?
        if let id = fleet.fleetReplicaID {
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
        let memberNames = members.map(\.name)
        let owned: (() async throws -> Set<String>)? = registry.map { r in
            {
                let live = try await r.liveReplicas()
                let mine = FleetSharding.owned(by: r.replicaID, of: memberNames, among: live)
                logger.info("fleet shard", metadata: ["replica": "\(r.replicaID)", "live_replicas": "\(live.joined(separator: ","))",
                                                      "planned_here": "\(mine.count)"])
                return Set(mine)
            }
        }
        let signals = Self.onTerminationSignals { planner.requestStop() }
        await planner.run(intervalSeconds: settings.intervalSeconds, maxIntervals: maxIntervals > 0 ? maxIntervals : nil,
                          owned: owned) { interval in
            let observed = try await reader.observe(keys, intervalSeconds: interval)
            return Dictionary(observed.map { ($0.key.namespace, $0.value) }, uniquingKeysWith: { a, _ in a })
        }
        signals.forEach { $0.cancel() }
        heartbeats?.cancel()
        await registry?.leave()
    }
}
