import Foundation
import Logging
import PlannerCore

/// Scales a DynamoGraphDeployment through the Kubernetes REST API (SPEC.md §8.2).
public final class KubernetesConnector: PlannerConnector, @unchecked Sendable {
    public static let group = "nvidia.com"
    public static let version = "v1alpha1"

    public let api: KubernetesAPIClient
    public let namespace: String
    public let deploymentName: String
    public let backend: String
    /// Components `validateDeployment` insists on (the planner's mode).
    public let requiredComponents: [ComponentType]
    /// Readiness polling: every `pollSeconds`, at most `maxPolls` times (10 s × 180 in production).
    public var pollSeconds: Double = 10
    public var maxPolls = 180
    private let logger: Logger

    public init(api: KubernetesAPIClient, deploymentName: String, namespace: String? = nil, backend: String = "vllm",
                requiredComponents: [ComponentType] = [.prefill, .decode],
                logger: Logger = Logger(label: "planner.kubernetes")) {
        self.api = api
        self.deploymentName = deploymentName
        self.namespace = namespace ?? api.configuration.namespace
        self.backend = backend
        self.requiredComponents = requiredComponents
        self.logger = logger
    }

    /// The DGD named by `DYN_PARENT_DGD_K8S_NAME`.
    public static func deploymentName(environment: [String: String] = ProcessInfo.processInfo.environment) throws -> String {
        guard let name = environment["DYN_PARENT_DGD_K8S_NAME"], !name.isEmpty else {
            throw KubernetesError.configuration("DYN_PARENT_DGD_K8S_NAME is not set: it names the DynamoGraphDeployment to scale")
        }
        return name
    }

    var deploymentPath: String {
        "/apis/\(Self.group)/\(Self.version)/namespaces/\(namespace)/dynamographdeployments/\(deploymentName)"
    }

    func scalePath(service: String) -> String {
        "/apis/\(Self.group)/\(Self.version)/namespaces/\(namespace)/dynamographdeploymentscalingadapters/\(deploymentName)-\(service.lowercased())/scale"
    }

    public func deployment() async throws -> DynamoGraphDeployment {
        DynamoGraphDeployment(name: deploymentName, object: try await api.get(deploymentPath))
    }

    private func service(_ component: ComponentType, in dgd: DynamoGraphDeployment) throws -> String {
        guard let name = try dgd.serviceName(for: component, backend: backend) else {
            throw KubernetesError.deployment("\(deploymentName) in namespace \(namespace) has no \(component.rawValue) service (no service with subComponentType \(component.rawValue), nor \(DynamoGraphDeployment.defaultServiceName(backend: backend, component: component) ?? "a well-known name") for backend \(backend))")
        }
        return name
    }

    public func validateDeployment() async throws {
        let dgd = try await deployment()
        for component in requiredComponents { _ = try service(component, in: dgd) }
    }

    public func currentWorkerCounts() async throws -> WorkerCounts {
        let dgd = try await deployment()
        func count(_ c: ComponentType) throws -> Int {
            guard let name = try dgd.serviceName(for: c, backend: backend) else { return 0 }
            return dgd.desiredReplicas(service: name)
        }
        return WorkerCounts(prefill: try count(.prefill), decode: try count(.decode))
    }

    /// GPUs per worker declared in the DGD (nil where it declares none; callers
    /// fall back to `--prefill-engine-num-gpu` / `--decode-engine-num-gpu`).
    public func gpusPerWorker() async throws -> (prefill: Int?, decode: Int?) {
        let dgd = try await deployment()
        func gpus(_ c: ComponentType) throws -> Int? {
            guard let name = try dgd.serviceName(for: c, backend: backend) else { return nil }
            return try dgd.gpusPerWorker(service: name)
        }
        return (try gpus(.prefill), try gpus(.decode))
    }

    public func modelName(requested: String?) async throws -> String {
        let dgd = try await deployment()
        var found: [(ComponentType, String)] = []
        for c in ComponentType.allCases {
            if let s = try dgd.serviceName(for: c, backend: backend), let m = dgd.modelName(service: s) { found.append((c, m)) }
        }
        if found.count == 2, found[0].1 != found[1].1 {
            throw KubernetesError.deployment("prefill serves model '\(found[0].1)' but decode serves '\(found[1].1)'")
        }
        guard let name = found.first?.1 else {
            if let requested { return requested }
            throw KubernetesError.deployment("cannot find the model name in \(deploymentName) (no --served-model-name, --model-name or --model in the workers' args): give --model-name")
        }
        if let requested, requested != name {
            throw KubernetesError.deployment("--model-name \(requested) does not match the model \(deploymentName) serves: \(name)")
        }
        return name
    }

    public func setComponentReplicas(_ targets: [TargetReplica], blocking: Bool) async throws {
        guard !targets.isEmpty else {
            throw KubernetesError.deployment("setComponentReplicas needs at least one target")
        }
        let dgd = try await deployment()
        guard dgd.isReady else {
            logger.warning("deployment not ready; skipping this scaling decision",
                           metadata: ["dgd": "\(deploymentName)", "namespace": "\(namespace)"])
            return
        }
        for target in targets {
            let name = try service(target.component, in: dgd)
            let desired = max(0, target.replicas)
            guard dgd.desiredReplicas(service: name) != desired else { continue }
            try await patchReplicas(service: name, replicas: desired)
            logger.info("scaled", metadata: ["service": "\(name)", "replicas": "\(desired)"])
        }
        if blocking { try await waitForDeploymentReady() }
    }

    /// The scaling adapter's scale subresource; on 404 (no adapter) a merge patch of the DGD.
    private func patchReplicas(service: String, replicas: Int) async throws {
        do {
            _ = try await api.mergePatch(scalePath(service: service), ["spec": ["replicas": replicas]])
        } catch let e as KubernetesError where e.httpStatus == 404 {
            _ = try await api.mergePatch(deploymentPath, ["spec": ["services": [service: ["replicas": replicas]]]])
        }
    }

    public func addComponent(_ component: ComponentType, blocking: Bool) async throws {
        let counts = try await currentWorkerCounts()
        let current = component == .prefill ? counts.prefill : counts.decode
        try await setComponentReplicas([TargetReplica(component: component, replicas: current.saturatingAdding(1))], blocking: blocking)
    }

    public func removeComponent(_ component: ComponentType, blocking: Bool) async throws {
        let counts = try await currentWorkerCounts()
        let current = component == .prefill ? counts.prefill : counts.decode
        try await setComponentReplicas([TargetReplica(component: component, replicas: max(0, current.saturatingAdding(-1)))], blocking: blocking)
    }

    /// Polls until the Ready condition is "True" and the planned services are stable.
    public func waitForDeploymentReady() async throws {
        for attempt in 0..<max(1, maxPolls) {
            let dgd = try await deployment()
            let services = try requiredComponents.compactMap { try dgd.serviceName(for: $0, backend: backend) }
            if dgd.isReady && services.allSatisfy({ dgd.isStable(service: $0) }) { return }
            if attempt + 1 < maxPolls { try? await Task.sleep(nanoseconds: UInt64(CheckedNumber.nanoseconds(seconds: pollSeconds))) }
            if Task.isCancelled { break }
        }
        throw KubernetesError.readinessTimeout(resource: "dynamographdeployments/\(deploymentName)",
                                               seconds: pollSeconds * Double(maxPolls))
    }
}
