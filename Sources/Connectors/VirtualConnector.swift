import Foundation
import Logging
import PlannerCore

/// The `PlannerConnector` of `planner run --environment virtual`: scaling decisions are handed
/// to an environment the planner does not manage, through etcd (docs/behaviour.md §8.1).
///
/// Nothing is read at construction, so a planner starts even while etcd is down; the first call
/// that needs etcd reads the namespace's state, and every failing call throws an `EtcdError`
/// naming the endpoints tried, so the live loop can log it and try again next interval.
public final class VirtualConnector: PlannerConnector, @unchecked Sendable {
    public let coordinator: VirtualConnectorCoordinator
    public let leaderElection: LeaderElection?

    /// - Parameter leaderElection: when given, only the leader writes decisions; the caller
    ///   starts it (`start()` or `campaign()`).
    public init(client: EtcdClient, namespace: String, timing: VirtualConnectorTiming = .init(),
                leaderElection: LeaderElection? = nil,
                logger: Logger = Logger(label: "planner.virtual-connector")) throws {
        self.coordinator = try VirtualConnectorCoordinator(
            client: client, namespace: namespace, timing: timing,
            leaderElection: leaderElection, logger: logger)
        self.leaderElection = leaderElection
    }

    /// Endpoints from `ETCD_ENDPOINTS`, credentials from `ETCD_AUTH_*` (as Dynamo's runtime reads
    /// them), timing from `SCALING_MAX_WAIT_TIME` / `SCALING_CHECK_INTERVAL`.
    public convenience init(namespace: String,
                            environment: [String: String] = ProcessInfo.processInfo.environment,
                            leaderElection: LeaderElection? = nil,
                            logger: Logger = Logger(label: "planner.virtual-connector")) throws {
        let security = try EtcdSecurity.resolve(environment: environment, warn: { logger.warning("\($0)") })
        let client = EtcdClient(endpoints: try EtcdEndpoints.fromEnvironment(environment), security: security,
                                logger: logger)
        try self.init(client: client, namespace: namespace,
                      timing: try VirtualConnectorTiming.fromEnvironment(environment),
                      leaderElection: leaderElection, logger: logger)
    }

    public func addComponent(_ component: ComponentType, blocking: Bool) async throws {
        try await step(component, by: 1, blocking: blocking)
    }

    public func removeComponent(_ component: ComponentType, blocking: Bool) async throws {
        try await step(component, by: -1, blocking: blocking)
    }

    private func step(_ component: ComponentType, by delta: Int, blocking: Bool) async throws {
        try await coordinator.stepScalingDecision(component, by: delta)
        if blocking { try await coordinator.waitForScalingCompletion() }
    }

    public func setComponentReplicas(_ targets: [TargetReplica], blocking: Bool) async throws {
        _ = try await setReplicas(targets, blocking: blocking)
    }

    /// `setComponentReplicas` that also says what happened (written, skipped, unchanged, standby).
    @discardableResult
    public func setReplicas(_ targets: [TargetReplica], blocking: Bool) async throws -> ScalingDecisionOutcome {
        let (prefill, decode) = try Self.counts(of: targets)
        let outcome = try await coordinator.updateScalingDecision(prefill: prefill, decode: decode)
        if blocking { try await coordinator.waitForScalingCompletion() }
        return outcome
    }

    /// The prefill and decode counts a target list asks for (nil: keep the current one);
    /// an empty list or a negative count is refused.
    static func counts(of targets: [TargetReplica]) throws -> (prefill: Int?, decode: Int?) {
        guard !targets.isEmpty else { throw VirtualConnectorError.emptyTargetList }
        var prefill: Int?
        var decode: Int?
        for target in targets {
            guard target.replicas >= 0 else {
                throw VirtualConnectorError.negativeReplicas(component: target.component.rawValue,
                                                             replicas: target.replicas)
            }
            switch target.component {
            case .prefill: prefill = target.replicas
            case .decode: decode = target.replicas
            }
        }
        return (prefill, decode)
    }

    public func currentWorkerCounts() async throws -> WorkerCounts {
        let counts = try await coordinator.workerCounts()
        return WorkerCounts(prefill: counts.prefill, decode: counts.decode)
    }

    /// The environment owns its deployment; there is nothing to validate on the planner side.
    /// (etcd is not contacted, so a planner may start while etcd is still coming up.)
    public func validateDeployment() async throws {}

    public func waitForDeploymentReady() async throws {
        try await coordinator.waitForScalingCompletion()
    }

    /// The virtual environment cannot be asked which model it serves: the name must be given.
    public func modelName(requested: String?) async throws -> String {
        guard let name = requested?.trimmingCharacters(in: .whitespaces), !name.isEmpty else {
            throw VirtualConnectorError.modelNameRequired
        }
        return name
    }
}
