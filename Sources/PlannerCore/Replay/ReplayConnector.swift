import PlannerNumerics

/// A scaling decision as it reached a simulated pool.
public struct ReplayScalingEvent: Equatable, Sendable {
    public var timeSeconds: Double
    public var component: ComponentType
    public var from: Int
    public var to: Int
}

/// The planner's connector to the simulated deployment: targets become
/// `ReplaySimulator.setWorkers` calls (the simulator delays new workers by the
/// startup time and drains removed ones), and the worker counts it reports are
/// the workers serving now, as a Kubernetes deployment's ready replicas.
public final class ReplayConnector: PlannerConnector {
    public let simulator: ReplaySimulator
    public let configuration: ReplayConfiguration
    /// Simulated time of the decision being applied (the driver keeps it current).
    public var nowSeconds: Double = 0
    public private(set) var requested: [ComponentType: Int] = [:]
    public private(set) var events: [ReplayScalingEvent] = []

    public init(simulator: ReplaySimulator, configuration: ReplayConfiguration) {
        self.simulator = simulator
        self.configuration = configuration
    }

    private func pool(_ component: ComponentType) -> ReplayPool? {
        configuration.pools.first { $0.component == component }?.pool
    }

    /// Sets the workers of `component` at t = 0 (live at once, not an event).
    public func start(_ component: ComponentType, workers: Int) throws {
        guard let pool = pool(component) else { return }
        try simulator.setWorkers(pool, workers, initial: true)
        requested[component] = workers
    }

    public func setComponentReplicas(_ targets: [TargetReplica], blocking: Bool) async throws {
        guard !targets.isEmpty else { throw ReplayError("setComponentReplicas needs at least one target") }
        for target in targets {
            guard let pool = pool(target.component) else { continue }
            let n = min(max(0, target.replicas), configuration.simulator.maxWorkersPerPool)
            let before = requested[target.component] ?? 0
            guard n != before else { continue }
            try simulator.setWorkers(pool, n, initial: false)
            requested[target.component] = n
            events.append(ReplayScalingEvent(timeSeconds: nowSeconds, component: target.component, from: before, to: n))
        }
    }

    public func addComponent(_ component: ComponentType, blocking: Bool) async throws {
        try await setComponentReplicas([TargetReplica(component: component, replicas: (requested[component] ?? 0) + 1)],
                                       blocking: blocking)
    }

    public func removeComponent(_ component: ComponentType, blocking: Bool) async throws {
        try await setComponentReplicas([TargetReplica(component: component, replicas: max(0, (requested[component] ?? 0) - 1))],
                                       blocking: blocking)
    }

    public func currentWorkerCounts() async throws -> WorkerCounts {
        func live(_ c: ComponentType) -> Int { pool(c).map { simulator.stats($0).live } ?? 0 }
        return WorkerCounts(prefill: configuration.mode == .agg ? 0 : live(.prefill), decode: live(.decode))
    }

    public func validateDeployment() async throws {}
    public func waitForDeploymentReady() async throws {}
    public func modelName(requested: String?) async throws -> String { requested ?? "replay" }
}
