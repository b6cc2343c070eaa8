import Logging

/// One pool's load as the load-based mode sees it at one look.
public struct LoadBasedPoolSignals: Equatable, Sendable {
    /// Workers the pool is set to (serving or starting).
    public var workers: Int
    /// Of those, still starting.
    public var starting: Int
    /// Queued prompt tokens per serving worker.
    public var queuedTokensPerWorker: Double
    /// KV-cache utilisation, 0…1.
    public var kvUtilisation: Double

    public init(workers: Int, starting: Int, queuedTokensPerWorker: Double, kvUtilisation: Double) {
        self.workers = workers; self.starting = starting
        self.queuedTokensPerWorker = queuedTokensPerWorker; self.kvUtilisation = kvUtilisation
    }
}

/// The load-based mode's state around the pure rule (`LoadBasedScaling`): the
/// throughput planner's last answer per pool (the floors) and when each pool last
/// changed. Prefill pools are judged on queued tokens per worker, decode pools on
/// KV utilisation, an aggregated pool on both (it grows when either asks and
/// shrinks only when both allow). Shared by the replay and `run --load-based`.
public final class LoadBasedController: @unchecked Sendable {
    public let settings: LoadBasedSettings
    /// True when one pool does prefill and decode (`--mode agg`).
    public let aggregated: Bool
    /// Most workers per pool (0: no limit).
    public let maxWorkers: Int
    public private(set) var floors: [ComponentType: Int]
    private var lastChange: [ComponentType: Double] = [:]

    public init(settings: LoadBasedSettings, aggregated: Bool, maxWorkers: Int, floors: [ComponentType: Int]) {
        self.settings = settings
        self.aggregated = aggregated
        self.maxWorkers = maxWorkers
        self.floors = floors
    }

    /// The planner's answer for `component`: the pool's new floor.
    public func setFloor(_ component: ComponentType, _ workers: Int) { floors[component] = max(0, workers) }

    /// The targets that differ from the pools' current sizes, at time `now` (seconds).
    public func targets(now: Double, signals: [ComponentType: LoadBasedPoolSignals]) -> [TargetReplica] {
        var out: [TargetReplica] = []
        for component in signals.keys.sorted(by: { $0.rawValue < $1.rawValue }) {
            guard let s = signals[component] else { continue }
            let checks: [(Double, LoadBasedScaling.Thresholds)]
            if aggregated {
                checks = [(s.queuedTokensPerWorker, settings.prefill), (s.kvUtilisation, settings.decode)]
            } else if component == .prefill {
                checks = [(s.queuedTokensPerWorker, settings.prefill)]
            } else {
                checks = [(s.kvUtilisation, settings.decode)]
            }
            let since = now - (lastChange[component] ?? -.infinity)
            let target = checks.map { load, thresholds in
                LoadBasedScaling.target(
                    LoadBasedScaling.PoolObservation(workers: s.workers, starting: s.starting, load: load, secondsSinceChange: since),
                    thresholds: thresholds, floor: floors[component] ?? 0, minDwellSeconds: settings.minDwellSeconds,
                    maxWorkers: maxWorkers).workers
            }.max() ?? s.workers
            if target != s.workers {
                out.append(TargetReplica(component: component, replicas: target))
                lastChange[component] = now
            }
        }
        return out
    }
}

/// What the throughput planner talks to in load-based mode: its targets become the
/// controller's floors, and `apply` (one look at the engines' load, then the
/// inner connector) runs at once so a higher floor takes effect now. Everything
/// else goes to the inner connector.
public final class LoadBasedFloorConnector: PlannerConnector, @unchecked Sendable {
    public let inner: PlannerConnector
    public let controller: LoadBasedController
    private let apply: () async throws -> Void

    public init(inner: PlannerConnector, controller: LoadBasedController, apply: @escaping () async throws -> Void) {
        self.inner = inner
        self.controller = controller
        self.apply = apply
    }

    public func setComponentReplicas(_ targets: [TargetReplica], blocking: Bool) async throws {
        for t in targets { controller.setFloor(t.component, t.replicas) }
        try await apply()
    }

    public func addComponent(_ component: ComponentType, blocking: Bool) async throws {
        controller.setFloor(component, (controller.floors[component] ?? 0) + 1)
        try await apply()
    }

    public func removeComponent(_ component: ComponentType, blocking: Bool) async throws {
        controller.setFloor(component, max(0, (controller.floors[component] ?? 0) - 1))
        try await apply()
    }

    public func currentWorkerCounts() async throws -> WorkerCounts { try await inner.currentWorkerCounts() }
    public func validateDeployment() async throws { try await inner.validateDeployment() }
    public func waitForDeploymentReady() async throws { try await inner.waitForDeploymentReady() }
    public func modelName(requested: String?) async throws -> String { try await inner.modelName(requested: requested) }
}

/// Where a live load-based loop reads the pools' signals (Prometheus in `run`).
public protocol LoadSignalSource: AnyObject, Sendable {
    /// Signals of the pools, given the sizes the loop last set them to.
    func signals(targets: [ComponentType: Int]) async throws -> [ComponentType: LoadBasedPoolSignals]
}

/// `run --load-based`: every tick, read the engines' load and apply the rule
/// through the inner connector (the throughput planner keeps setting the floors
/// through `LoadBasedFloorConnector`). A failed look is logged and skipped. An
/// actor: the tick and the planner's decisions take turns.
public actor LiveLoadBasedLoop {
    public nonisolated let controller: LoadBasedController
    public let source: LoadSignalSource
    public let connector: PlannerConnector
    public nonisolated let clock: LiveClock
    private var targets: [ComponentType: Int]
    private let logger = Logger(label: "planner.load-based")
    private var stopped = false

    public init(controller: LoadBasedController, source: LoadSignalSource, connector: PlannerConnector,
                clock: LiveClock = MonotonicLiveClock(), initial: [ComponentType: Int]) {
        self.controller = controller
        self.source = source
        self.connector = connector
        self.clock = clock
        targets = initial
    }

    /// One look: signals, rule, connector. Returns the targets applied.
    @discardableResult
    public func step() async -> [TargetReplica] {
        do {
            let signals = try await source.signals(targets: targets)
            let changes = controller.targets(now: clock.nowSeconds(), signals: signals)
            guard !changes.isEmpty else { return [] }
            try await connector.setComponentReplicas(changes, blocking: false)
            for c in changes { targets[c.component] = c.replicas }
            logger.info("load-based scaling", metadata: ["targets": "\(changes.map { "\($0.component.rawValue)=\($0.replicas)" })"])
            return changes
        } catch {
            logger.warning("load-based look skipped: \(error)")
            return []
        }
    }

    public func requestStop() { stopped = true }

    /// Looks every `tickSeconds` until `requestStop()` or task cancellation.
    public func run() async {
        let tick = controller.settings.tickSeconds
        var next = clock.nowSeconds() + tick
        while !stopped, !Task.isCancelled {
            while !stopped, !Task.isCancelled, clock.nowSeconds() < next {
                await clock.sleep(untilSeconds: min(next, clock.nowSeconds() + 0.25))
            }
            if stopped || Task.isCancelled { break }
            await step()
            next += tick
        }
    }
}
