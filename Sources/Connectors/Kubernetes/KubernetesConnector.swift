import Foundation
import Logging
import PlannerCore

/// Scales a DynamoGraphDeployment through the Kubernetes REST API (docs/behaviour.md §8.2),
/// reading and waiting as Dynamo 1.0.2 does, with the differences docs/kubernetes.md names:
/// - worker counts are the replicas serving traffic (status), not the desired ones (spec);
/// - `setComponentReplicas` holds a decision while the DGD is not Ready (one warning each
///   time, and a `scalingHeld` error so the loop knows it was not applied); once it has
///   been not Ready for `readinessTimeoutSeconds`, scale-downs apply and scale-ups stay held;
/// - `addComponent`/`removeComponent` patch whatever the readiness (as Dynamo does);
/// - a 403 on the scaling adapter falls back to the DGD patch like a 404, logged once;
/// - waiting for readiness waits until the operator has observed the change.
public final class KubernetesConnector: PlannerConnector, ScalingHoldReporting, @unchecked Sendable {
    public static let group = "nvidia.com"
    public static let version = "v1alpha1"

    public let api: KubernetesAPIClient
    public let namespace: String
    public let deploymentName: String
    public let backend: String
    /// Components `validateDeployment` and `currentWorkerCounts` insist on (the planner's mode).
    public let requiredComponents: [ComponentType]
    /// `--model-name`, when given: validation then does not insist on finding one in the DGD.
    public var modelNameFlag: String?
    /// Seconds between readiness polls (Dynamo: 10), and the longest wait (Dynamo: 180 polls, 1800 s).
    /// The same timeout bounds how long scale-downs are held while the DGD is not Ready.
    public var pollSeconds: Double = 10
    public var readinessTimeoutSeconds: Double = 1800
    let logger: Logger
    let clock: @Sendable () -> Double

    let lock = NSLock()
    /// Replicas this connector last patched per service, until a wait sees them applied.
    var expected: [String: Int] = [:]
    /// The Ready condition's lastTransitionTime just before the last patch.
    var transitionBeforePatch: String?
    /// When this connector first saw the DGD not Ready (nil while Ready).
    var notReadySince: Double?
    /// The newest `metadata.generation` read: an older one is a stale read.
    var newestGeneration = 0
    private var scaleForbiddenLogged = false
    private var lastHold: ScalingHold?

    public init(api: KubernetesAPIClient, deploymentName: String, namespace: String? = nil, backend: String = "vllm",
                requiredComponents: [ComponentType] = [.prefill, .decode],
                logger: Logger = Logger(label: "planner.kubernetes"),
                clock: @escaping @Sendable () -> Double = { ProcessInfo.processInfo.systemUptime }) {
        self.api = api
        self.deploymentName = deploymentName
        self.namespace = namespace ?? api.configuration.namespace
        self.backend = backend
        self.requiredComponents = requiredComponents
        self.logger = logger
        self.clock = clock
    }

    /// Why the last `setComponentReplicas` was held or only partly applied (nil: applied in full).
    public var lastScalingNote: String? { lock.withLock { lastHold?.note } }

    /// The same, as the hold's kind (the live loop's decision reason).
    public var lastScalingHold: ScalingHold? { lock.withLock { lastHold } }

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

    /// The DGD for a scaling decision, read again (up to 5 times, briefly apart) while it
    /// looks stale: an older generation than one already seen, or a spec that does not yet
    /// show what this connector patched. Deciding "already at target" on a stale read would
    /// drop a decision. After the last try an older generation is an error (`staleRead`,
    /// transient); a fresh generation whose spec differs is taken as someone else's change.
    func freshDeployment() async throws -> DynamoGraphDeployment {
        var attempt = 0
        while true {
            let dgd = try await deployment()
            let generation = try dgd.generation()
            let lagging = try expectedLagging(in: dgd)
            let newest = lock.withLock { () -> Int in
                newestGeneration = max(newestGeneration, generation ?? 0)
                return newestGeneration
            }
            let older = generation.map { $0 < newest } ?? false
            attempt += 1
            if !older && lagging.isEmpty { return dgd }
            if attempt >= 5 {
                if let generation, older {
                    throw KubernetesError.staleRead(resource: "dynamographdeployments/\(deploymentName)", generation: generation, newest: newest)
                }
                lock.withLock { for name in lagging { expected[name] = nil } }
                logger.info("the DGD's spec differs from what this planner patched; taking it as changed by someone else",
                            metadata: ["services": "\(lagging.joined(separator: ","))"])
                return dgd
            }
            try await Task.sleep(nanoseconds: UInt64(attempt) * 100_000_000)
        }
    }

    private func expectedLagging(in dgd: DynamoGraphDeployment) throws -> [String] {
        let wanted = lock.withLock { expected }
        return try wanted.keys.sorted().filter { name in
            guard dgd.services[name] != nil else { return false }
            return try dgd.desiredReplicas(service: name) != wanted[name]
        }
    }

    private func missing(_ component: ComponentType) -> String {
        "no \(component.rawValue) service (no service with subComponentType \(component.rawValue), nor \(DynamoGraphDeployment.defaultServiceName(backend: backend, component: component) ?? "a well-known name") without one for backend \(backend))"
    }

    func service(_ component: ComponentType, in dgd: DynamoGraphDeployment) throws -> String {
        guard let name = try dgd.serviceName(for: component, backend: backend) else {
            throw KubernetesError.deployment("\(deploymentName) in namespace \(namespace) has \(missing(component))")
        }
        return name
    }

    /// Every problem at once (missing or duplicate services, unreadable replicas,
    /// prefill and decode serving different models), like Dynamo's `validate_deployment`.
    public func validateDeployment() async throws {
        let dgd = try await deployment()
        var problems: [String] = []
        for component in requiredComponents {
            do {
                if let name = try dgd.serviceName(for: component, backend: backend) {
                    _ = try dgd.desiredReplicas(service: name)
                } else {
                    problems.append(missing(component))
                }
            } catch {
                problems.append(Self.problem(error))
            }
        }
        do {
            _ = try modelName(in: dgd, requested: modelNameFlag)
        } catch {
            problems.append(Self.problem(error))
        }
        var seen = Set<String>()
        problems = problems.filter { seen.insert($0).inserted }
        if !problems.isEmpty {
            throw KubernetesError.validation(deployment: "\(deploymentName) in namespace \(namespace)", problems: problems)
        }
    }

    private static func problem(_ error: Error) -> String {
        switch error {
        case let KubernetesError.deployment(m): return m
        case let KubernetesError.malformed(_, detail): return detail
        default: return "\(error)"
        }
    }

    /// Replicas serving traffic (status), as Dynamo feeds the correction factors.
    /// A planned component without a service is an error; an unplanned one counts 0.
    public func currentWorkerCounts() async throws -> WorkerCounts {
        let dgd = try await deployment()
        func count(_ c: ComponentType) throws -> Int {
            guard requiredComponents.contains(c) else { return 0 }
            return try dgd.servingReplicas(service: try service(c, in: dgd))
        }
        return WorkerCounts(prefill: try count(.prefill), decode: try count(.decode))
    }

    public func modelName(requested: String?) async throws -> String {
        try modelName(in: try await deployment(), requested: requested)
    }

    func modelName(in dgd: DynamoGraphDeployment, requested: String?) throws -> String {
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
        let dgd = try await freshDeployment()
        var changes: [(component: ComponentType, service: String, from: Int, to: Int)] = []
        for target in targets {
            let name = try service(target.component, in: dgd)
            let current = try dgd.desiredReplicas(service: name)
            let desired = max(0, target.replicas)
            if current == desired {
                logger.debug("already at the desired replica count", metadata: ["service": "\(name)", "replicas": "\(desired)"])
            } else {
                changes.append((target.component, name, current, desired))
            }
        }
        var apply = changes
        var note: String?
        if dgd.isReady {
            lock.withLock { notReadySince = nil }
        } else if !changes.isEmpty {
            let now = clock()
            let since = lock.withLock { () -> Double in
                if notReadySince == nil { notReadySince = now }
                return notReadySince ?? now
            }
            let waited = now - since
            let describe = { (list: [(component: ComponentType, service: String, from: Int, to: Int)]) in
                list.map { "\($0.service) \($0.from)→\($0.to)" }.joined(separator: ", ")
            }
            let downs = changes.filter { $0.to < $0.from }, ups = changes.filter { $0.to > $0.from }
            let state = "\(deploymentName) is not Ready for \(Int(waited)) s (\(dgd.readinessSummary)\(unreadyServices(dgd)))"
            guard waited >= readinessTimeoutSeconds, !downs.isEmpty else {
                let held = "\(state): holding \(describe(changes))"
                    + (downs.isEmpty ? " until it is Ready" : " (scale-downs apply once it has been not Ready for \(NumberText.plain(readinessTimeoutSeconds)) s)")
                logger.warning("\(held)")
                lock.withLock { lastHold = .held(held) }
                throw KubernetesError.scalingHeld(held)
            }
            note = "\(state), past the \(NumberText.plain(readinessTimeoutSeconds)) s readiness timeout: applying the scale-down of \(describe(downs))"
                + (ups.isEmpty ? "" : "; holding the scale-up of \(describe(ups))")
            logger.warning("\(note ?? "")")
            apply = downs
        }
        lock.withLock {
            lastHold = note.map(ScalingHold.pastReadinessTimeout)
            transitionBeforePatch = dgd.readyTransitionTime
        }
        for change in apply {
            try await patchReplicas(service: change.service, replicas: change.to)
            lock.withLock { expected[change.service] = change.to }
            logger.info("scaled", metadata: ["component": "\(change.component.rawValue)", "service": "\(change.service)",
                                             "from": "\(change.from)", "replicas": "\(change.to)"])
        }
        if blocking, !apply.isEmpty, note == nil { try await waitForDeploymentReady() }
    }

    private func unreadyServices(_ dgd: DynamoGraphDeployment) -> String {
        let names = requiredComponents.compactMap { try? dgd.serviceName(for: $0, backend: backend) }
        let lagging = names.compactMap { name -> String? in
            guard let want = try? dgd.desiredReplicas(service: name), let have = try? dgd.servingReplicas(service: name),
                  have != want else { return nil }
            return "\(name) \(have)/\(want) serving"
        }
        return lagging.isEmpty ? "" : "; " + lagging.joined(separator: ", ")
    }

    /// The scaling adapter's scale subresource; on 404 (no adapter) or 403 (RBAC
    /// without `…/scale`) a merge patch of the DGD.
    private func patchReplicas(service: String, replicas: Int) async throws {
        do {
            _ = try await api.mergePatch(scalePath(service: service), ["spec": ["replicas": replicas]])
            return
        } catch let e as KubernetesError where e.httpStatus == 404 {
            logger.info("no scaling adapter; patching the DGD", metadata: ["adapter": "\(deploymentName)-\(service.lowercased())"])
        } catch let e as KubernetesError where e.httpStatus == 403 {
            let first = lock.withLock { () -> Bool in
                defer { scaleForbiddenLogged = true }
                return !scaleForbiddenLogged
            }
            if first {
                logger.warning("RBAC forbids patch on dynamographdeploymentscalingadapters/scale (API group \(Self.group)) in namespace \(namespace); scaling through a merge patch of the DynamoGraphDeployment instead. Grant that permission to use the scaling adapters. (\(e))")
            }
        }
        _ = try await api.mergePatch(deploymentPath, ["spec": ["services": [service: ["replicas": replicas]]]])
    }

    /// One more replica of `component` from the spec count, whatever the readiness (as Dynamo).
    public func addComponent(_ component: ComponentType, blocking: Bool) async throws {
        try await step(component, by: 1, blocking: blocking)
    }

    /// One replica fewer (never below 0), whatever the readiness (as Dynamo).
    public func removeComponent(_ component: ComponentType, blocking: Bool) async throws {
        try await step(component, by: -1, blocking: blocking)
    }

    private func step(_ component: ComponentType, by delta: Int, blocking: Bool) async throws {
        let dgd = try await freshDeployment()
        let name = try service(component, in: dgd)
        let current = try dgd.desiredReplicas(service: name)
        let target = current.saturatingAdding(delta)
        guard target >= 0 else { return }
        if !dgd.isReady {
            logger.info("patching although the deployment is not Ready (as Dynamo's add/remove does)",
                        metadata: ["service": "\(name)", "readiness": "\(dgd.readinessSummary)"])
        }
        lock.withLock { transitionBeforePatch = dgd.readyTransitionTime }
        try await patchReplicas(service: name, replicas: target)
        lock.withLock { expected[name] = target }
        logger.info("scaled", metadata: ["service": "\(name)", "from": "\(current)", "replicas": "\(target)"])
        if blocking { try await waitForDeploymentReady() }
    }
}
