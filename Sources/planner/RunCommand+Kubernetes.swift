import Connectors
import Foundation
import Logging
import PlannerCore

/// `planner run --environment kubernetes`: the API configuration (in-cluster or
/// kubeconfig), the DGD's validation, GPUs per worker and the start-up wait.
extension RunCommand {
    func connectKubernetes(settings: inout PlannerSettings, logger: Logger) async throws -> KubernetesConnector {
        let configuration = try KubernetesAPIConfiguration.automatic()
        let api = try KubernetesAPIClient(configuration: configuration)
        let deploymentName = try KubernetesConnector.deploymentName()
        logger.info("Kubernetes API", metadata: ["server": "\(configuration.server)", "namespace": "\(configuration.namespace)",
                                                 "namespace_from": "\(configuration.namespaceSource)",
                                                 "dgd": "\(deploymentName)"])
        let (connector, gpus) = try await KubernetesConnector.validated(
            api: api, deploymentName: deploymentName, backend: backend, modelName: modelName,
            pollSeconds: kubernetesPollInterval, readinessTimeoutSeconds: kubernetesReadinessTimeout,
            decision: planner.decision, settings: &settings)
        logger.info("GPUs per worker: \(gpus)")
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
