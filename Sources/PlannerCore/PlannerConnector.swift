/// The two worker pools a connector scales (docs/behaviour.md §8).
public enum ComponentType: String, Sendable, CaseIterable {
    case prefill, decode
}

/// A desired replica count for one component.
public struct TargetReplica: Equatable, Sendable {
    public var component: ComponentType
    public var replicas: Int

    public init(component: ComponentType, replicas: Int) {
        self.component = component
        self.replicas = replicas
    }
}

/// Worker counts of both pools.
public struct WorkerCounts: Equatable, Sendable {
    public var prefill: Int
    public var decode: Int

    public init(prefill: Int, decode: Int) {
        self.prefill = prefill
        self.decode = decode
    }
}

/// What an environment did with the last scaling request when it could not apply it
/// in full because the deployment is not Ready (Kubernetes: pods unschedulable or
/// still starting). The live loop turns it into the decision reason.
public enum ScalingHold: Equatable, Sendable {
    /// Nothing was applied: the decision waits until the deployment is Ready
    /// (or, for scale-downs, until the readiness timeout has passed).
    case held(String)
    /// Not Ready past the readiness timeout: the scale-downs were applied, any scale-ups held.
    case pastReadinessTimeout(String)

    public var note: String {
        switch self {
        case let .held(s), let .pastReadinessTimeout(s): return s
        }
    }
}

/// A connector that can say why its last `setComponentReplicas` was held or only
/// partly applied (nil: applied in full, or nothing to change).
public protocol ScalingHoldReporting: AnyObject {
    var lastScalingHold: ScalingHold? { get }
}

/// The port through which the live loop scales an environment (docs/behaviour.md §8).
/// Implemented in `Connectors` (virtual/etcd, Kubernetes) and by recorders in tests.
public protocol PlannerConnector: AnyObject {
    /// Adds one replica of `component`; with `blocking`, waits until the environment is ready.
    func addComponent(_ component: ComponentType, blocking: Bool) async throws
    /// Removes one replica of `component` (never below 0).
    func removeComponent(_ component: ComponentType, blocking: Bool) async throws
    /// Sets either or both counts; an empty list is an error.
    func setComponentReplicas(_ targets: [TargetReplica], blocking: Bool) async throws
    /// The worker counts the environment currently runs (or was last told to run).
    func currentWorkerCounts() async throws -> WorkerCounts
    /// Checks that the deployment has the components the planner scales.
    func validateDeployment() async throws
    /// Waits until the environment reports the last decision applied.
    func waitForDeploymentReady() async throws
    /// The served model name; `requested` (when given) must match it.
    func modelName(requested: String?) async throws -> String
}
