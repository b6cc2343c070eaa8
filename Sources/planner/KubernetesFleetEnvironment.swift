import Connectors
import Foundation
import Logging
import PlannerCore

/// `--environment kubernetes` fleet: each member is one DynamoGraphDeployment in the
/// planner's own Kubernetes namespace, scaled by its own `KubernetesConnector` (readiness
/// hold, scale subresource, token rotation). A member's name is its Dynamo namespace
/// (`NS-DGDNAME`, the `dynamo_namespace` its metrics carry); a config entry's `dgd` names
/// the DGD when the name does not follow that rule. Discovery lists the DGDs of NS.
final class KubernetesFleetEnvironment: FleetEnvironment, @unchecked Sendable {
    let api: KubernetesAPIClient
    let backend: String
    let pollSeconds: Double
    let readinessTimeoutSeconds: Double
    /// Member → DGD given by config entries (`dgd`).
    let explicit: [String: String]
    /// Member → served model name (checked against the DGD's workers).
    let model: (String) -> String
    let logger: Logger
    private let lock = NSLock()
    /// Member → DGD from the last list (a DGD name with dots is not recoverable from its Dynamo namespace).
    private var listed: [String: String] = [:]
    private var globalWarned = Set<String>()

    init(api: KubernetesAPIClient, backend: String, pollSeconds: Double, readinessTimeoutSeconds: Double,
         explicit: [String: String], model: @escaping (String) -> String, logger: Logger) {
        self.api = api
        self.backend = backend
        self.pollSeconds = pollSeconds
        self.readinessTimeoutSeconds = readinessTimeoutSeconds
        self.explicit = explicit
        self.model = model
        self.logger = logger
    }

    var namespace: String { api.configuration.namespace }

    func deploymentName(for member: String) throws -> String {
        if let d = explicit[member] { return d }
        if let d = lock.withLock({ listed[member] }) { return d }
        return try DynamoNamespaceNaming.deploymentName(dynamoNamespace: member, kubernetesNamespace: namespace)
    }

    /// Validates the DGD (services, model) and takes GPUs per worker from it, as a single
    /// deployment does; does not wait for readiness (the connector holds decisions while not Ready).
    func connect(_ name: String, options: PlannerOptions, settings: inout PlannerSettings) async throws -> PlannerConnector {
        var memberLogger = Logger(label: "planner.kubernetes")
        memberLogger[metadataKey: "deployment"] = "\(name)"
        let dgd = try deploymentName(for: name)
        let (connector, gpus) = try await KubernetesConnector.validated(
            api: api, deploymentName: dgd, backend: backend, modelName: model(name), pollSeconds: pollSeconds,
            readinessTimeoutSeconds: readinessTimeoutSeconds, decision: options.decision, settings: &settings,
            logger: memberLogger)
        logger.info("DGD connected", metadata: ["deployment": "\(name)", "dgd": "\(dgd)", "namespace": "\(namespace)",
                                                "gpus_per_worker": "\(gpus)"])
        return connector
    }

    /// The Dynamo namespaces of the DGDs in the planner's Kubernetes namespace (a DGD a config
    /// entry names with `dgd` is that entry's member already). DGDs whose
    /// services use the global Dynamo namespace are left out (their metrics cannot be told
    /// apart), with one warning each.
    func discover() async throws -> [String] {
        let found = try await api.listDynamoGraphDeployments(namespace: namespace)
        var names: [String] = []
        var map: [String: String] = [:]
        let named = Set(explicit.values)
        for dgd in found.sorted(by: { $0.name < $1.name }) where !named.contains(dgd.name) {
            if dgd.usesGlobalDynamoNamespace {
                let first = lock.withLock { globalWarned.insert(dgd.name).inserted }
                if first {
                    logger.warning("DGD left out of the fleet: its services use the global Dynamo namespace '\(DynamoNamespaceNaming.global)', whose metrics cannot be told apart",
                                   metadata: ["dgd": "\(dgd.name)"])
                }
                continue
            }
            let member = DynamoNamespaceNaming.dynamoNamespace(kubernetesNamespace: namespace, deployment: dgd.name)
            if map[member] == nil { names.append(member) }
            map[member] = dgd.name
        }
        lock.withLock { listed = map }
        return names
    }
}
