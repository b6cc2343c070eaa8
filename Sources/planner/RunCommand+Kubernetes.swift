import Connectors
import Foundation
import Logging
import PlannerCore

/// `planner run --environment kubernetes`: the API configuration (in-cluster or
/// kubeconfig), the DGD's validation, GPUs per worker and the start-up wait.
extension RunCommand {
    func connectKubernetes(settings: inout PlannerSettings, logger: Logger) async throws -> KubernetesConnector {
        var planned: [ComponentType] = []
        if settings.mode.plansPrefill { planned.append(.prefill) }
        if settings.mode.plansDecode { planned.append(.decode) }
        let configuration = try KubernetesAPIConfiguration.automatic()
        let api = try KubernetesAPIClient(configuration: configuration)
        let connector = KubernetesConnector(api: api, deploymentName: try KubernetesConnector.deploymentName(),
                                            backend: backend, requiredComponents: planned)
        connector.modelNameFlag = modelName
        connector.pollSeconds = kubernetesPollInterval
        connector.readinessTimeoutSeconds = kubernetesReadinessTimeout
        logger.info("Kubernetes API", metadata: ["server": "\(configuration.server)", "namespace": "\(configuration.namespace)",
                                                 "namespace_from": "\(configuration.namespaceSource)",
                                                 "dgd": "\(connector.deploymentName)"])
        try await connector.validateDeployment()
        let gpus = try await connector.gpusPerWorker()
        let resolved = try gpus.resolved(prefillFlag: planner.decision.prefillEngineNumGPU, decodeFlag: planner.decision.decodeEngineNumGPU,
                                         planned: planned)
        settings.prefillEngineGPUs = resolved.prefill
        settings.decodeEngineGPUs = resolved.decode
        logger.info("GPUs per worker: \(resolved.origin)")
        do {
            try await connector.waitForDeploymentReady()
        } catch let e as KubernetesError {
            guard case .readinessTimeout = e else { throw e }
            // Not fatal (Dynamo exits here): decisions are held while the DGD is not Ready,
            // and scale-downs apply once it has been not Ready for the timeout.
            logger.warning("starting although the deployment is not Ready: \(e)")
        }
        return connector
    }
}
