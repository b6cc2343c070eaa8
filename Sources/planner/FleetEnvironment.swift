import Connectors
import Foundation
import Logging
import PlannerCore

/// Where a fleet's deployments live: how a member is connected, and which deployments
/// discovery finds. `virtual`: etcd keys per Dynamo namespace; `kubernetes`: one
/// DynamoGraphDeployment per member (KubernetesFleetEnvironment).
protocol FleetEnvironment: Sendable {
    /// The member's connector. It may fill in settings the deployment itself says (GPUs per worker).
    func connect(_ name: String, options: PlannerOptions, settings: inout PlannerSettings) async throws -> PlannerConnector
    /// The member names discovery finds now.
    func discover() async throws -> [String]
}

/// `--environment virtual`: each member is a Dynamo namespace's planner keys in etcd.
struct VirtualFleetEnvironment: FleetEnvironment {
    let etcd: EtcdClient
    let timing: VirtualConnectorTiming

    func connect(_ name: String, options: PlannerOptions, settings: inout PlannerSettings) async throws -> PlannerConnector {
        try VirtualConnector(client: etcd, namespace: name, timing: timing)
    }

    func discover() async throws -> [String] {
        try await FleetDiscovery.virtualNamespaces(client: etcd)
    }
}
