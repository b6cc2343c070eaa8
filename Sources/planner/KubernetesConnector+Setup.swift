import Connectors
import Logging
import PlannerCore

extension KubernetesConnector {
    /// The connector of DGD `deploymentName`, set up as every Kubernetes deployment is, alone
    /// or as a fleet member: the DGD checked (services for the planned components, the served
    /// model) and its GPUs per worker resolved into `settings` (the engine flags win). Returns
    /// where the GPU counts came from. Does not wait for readiness.
    static func validated(api: KubernetesAPIClient, deploymentName: String, backend: String, modelName: String?,
                          pollSeconds: Double, readinessTimeoutSeconds: Double, decision: DecisionOptions,
                          settings: inout PlannerSettings,
                          logger: Logger = Logger(label: "planner.kubernetes")) async throws -> (KubernetesConnector, gpus: String) {
        var planned: [ComponentType] = []
        if settings.mode.plansPrefill { planned.append(.prefill) }
        if settings.mode.plansDecode { planned.append(.decode) }
        let connector = KubernetesConnector(api: api, deploymentName: deploymentName, backend: backend,
                                            requiredComponents: planned, logger: logger)
        connector.modelNameFlag = modelName
        connector.pollSeconds = pollSeconds
        connector.readinessTimeoutSeconds = readinessTimeoutSeconds
        try await connector.validateDeployment()
        let resolved = try await connector.gpusPerWorker().resolved(prefillFlag: decision.prefillEngineNumGPU,
                                                                    decodeFlag: decision.decodeEngineNumGPU, planned: planned)
        settings.prefillEngineGPUs = resolved.prefill
        settings.decodeEngineGPUs = resolved.decode
        return (connector, resolved.origin)
    }
}
