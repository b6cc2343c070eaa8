import ArgumentParser
import Connectors
import Foundation
import Logging
import PlannerCore

/// The environment half of `planner run` with a fleet: where members live, how the
/// fleet's counts are read and written per interval, and etcd for sharding.
struct FleetPlace {
    var environment: FleetEnvironment
    /// The fleet connector for a membership (rebuilt when discovery changes it).
    var makeConnector: @Sendable ([FleetMember]) -> FleetConnector
    /// etcd, for --fleet-replica-id (virtual only).
    var etcd: EtcdClient?
}

extension RunCommand {
    func fleetEnvironment(deployments: [FleetDeployment], model: String, logger: Logger) throws -> FleetPlace {
        let explicit = Dictionary(deployments.compactMap { d in d.dgd.map { (d.namespace, $0) } }, uniquingKeysWith: { a, _ in a })
        switch environment {
        case .virtual:
            if let d = deployments.first(where: { $0.dgd != nil }) {
                throw ValidationError("deployments: '\(d.namespace)' names a DGD (dgd), which only --environment kubernetes uses")
            }
            // The single-deployment path's client: endpoints, credentials and TLS from the etcd flags/environment.
            let etcd = try self.etcd.client(logger: Logger(label: "planner.etcd"), warn: { logger.warning("\($0)") })
            let timing = try VirtualConnectorTiming.fromEnvironment(ProcessInfo.processInfo.environment)
            // Every member's etcd keys in a few transactions per interval (docs/fleet.md).
            let batched: @Sendable ([FleetMember]) -> FleetConnector = { members in
                if let c = try? FleetVirtualConnector(client: etcd, namespaces: members.map(\.name), timing: timing) { return c }
                return MemberConnectors(members: members)
            }
            return FleetPlace(environment: VirtualFleetEnvironment(etcd: etcd, timing: timing), makeConnector: batched, etcd: etcd)
        case .kubernetes:
            if fleet.fleetReplicaID != nil {
                throw ValidationError("--fleet-replica-id is not available with --environment kubernetes: run one fleet planner per Kubernetes namespace")
            }
            let configuration = try KubernetesAPIConfiguration.automatic()
            let api = try KubernetesAPIClient(configuration: configuration)
            logger.info("Kubernetes API", metadata: ["server": "\(configuration.server)", "namespace": "\(configuration.namespace)",
                                                     "namespace_from": "\(configuration.namespaceSource)"])
            let models = Dictionary(deployments.compactMap { d in d.modelName.map { (d.namespace, $0) } }, uniquingKeysWith: { a, _ in a })
            let environment = KubernetesFleetEnvironment(api: api, backend: backend, pollSeconds: kubernetesPollInterval,
                                                         readinessTimeoutSeconds: kubernetesReadinessTimeout,
                                                         explicit: explicit, model: { models[$0] ?? model }, logger: logger)
            // One call per member's connector: per-DGD failures stay with that member.
            let perMember: @Sendable ([FleetMember]) -> FleetConnector = { MemberConnectors(members: $0) }
            return FleetPlace(environment: environment, makeConnector: perMember, etcd: nil)
        }
    }
}
