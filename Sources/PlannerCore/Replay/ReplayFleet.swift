import Foundation
import Logging

/// One deployment of a fleet replay: its trace, its simulated workers (own
/// simulator, own workspace) and its own decision engine.
public struct ReplayFleetDeployment {
    public var name: String
    /// Must have the planner on (a predictor); its `planner` settings are this deployment's SLA and engines.
    public var configuration: ReplayConfiguration
    public var engine: PlannerDecisionEngine
    public var source: ReplayRequestSource
    /// Relative importance when GPUs are short (`FleetDemand.weight`).
    public var weight: Double
    public var coverage: ReplayProfileCoverage?
    public var onRequest: ((ReplayRequestRecord) throws -> Void)?

    public init(name: String, configuration: ReplayConfiguration, engine: PlannerDecisionEngine, source: ReplayRequestSource,
                weight: Double = 1, coverage: ReplayProfileCoverage? = nil,
                onRequest: ((ReplayRequestRecord) throws -> Void)? = nil) {
        self.name = name
        self.configuration = configuration
        self.engine = engine
        self.source = source
        self.weight = weight
        self.coverage = coverage
        self.onRequest = onRequest
    }
}

/// Several deployments replayed side by side on one GPU pool: every adjustment
/// interval each deployment's planner decides from its own simulated frontend,
/// then `FleetPlanner.step` divides `maxTotalGPUs` with `FleetBudget.allocate`
/// (weights, SLA shortfall, `min_endpoint` floors) and the grants go to each
/// simulator, new workers serving after the startup time as in a single replay.
///
/// The deployments' simulations run concurrently between interval ends and meet at
/// each end (interval k of every trace, counted from its own first arrival); a
/// deployment whose requests all finished leaves the pool and its GPUs with it.
/// Without a budget every deployment's result equals its own single replay.
public final class ReplayFleet {
    public let deployments: [ReplayFleetDeployment]
    public let maxTotalGPUs: Int
    public let minTotalGPUs: Int
    private let warn: (String) -> Void

    /// A negative bound means none.
    public init(deployments: [ReplayFleetDeployment], maxTotalGPUs: Int = -1, minTotalGPUs: Int = -1,
                warn: @escaping (String) -> Void = { _ in }) {
        self.deployments = deployments
        self.maxTotalGPUs = maxTotalGPUs
        self.minTotalGPUs = minTotalGPUs
        self.warn = warn
    }

    public func run() async throws -> ReplayFleetResult {
        let names = deployments.map(\.name)
        guard !deployments.isEmpty else { throw ReplayError("a fleet replay needs at least one deployment") }
        guard Set(names).count == names.count else { throw ReplayError("fleet replay: deployment names must be unique (\(names))") }
        let interval = deployments[0].configuration.planner.intervalSeconds
        for d in deployments {
            guard d.configuration.plannerEnabled else { throw ReplayError("deployment \(d.name): a fleet replay needs the planner") }
            guard d.configuration.planner.intervalSeconds == interval else {
                throw ReplayError("deployment \(d.name): every deployment of a fleet replay plans on the same interval (\(interval) s)")
            }
            guard d.configuration.loadBased == nil else {
                throw ReplayError("deployment \(d.name): the load-based mode is not available in a fleet replay")
            }
        }
        let startGPUs = deployments.reduce(0) { $0.addingSaturated(Self.gpus(requested: ($1.configuration.prefillWorkers,
                                                                                          $1.configuration.decodeWorkers),
                                                                               $1.configuration)) }
        if maxTotalGPUs >= 0, startGPUs > maxTotalGPUs {
            throw ReplayError("the deployments start with \(startGPUs) GPUs, more than --max-total-gpus \(maxTotalGPUs)")
        }
        let coordinator = ReplayFleetCoordinator(deployments: deployments, maxTotalGPUs: maxTotalGPUs, minTotalGPUs: minTotalGPUs)
        let drivers = deployments.enumerated().map { i, d in
            ReplayDriver(configuration: d.configuration, engine: nil, source: d.source, coverage: d.coverage,
                         warn: { [warn] in warn("\(d.name): \($0)") }, onRequest: d.onRequest,
                         seat: ReplayFleetSeat(index: i, coordinator: coordinator))
        }
        let started = DispatchTime.now().uptimeNanoseconds
        let results = try await withThrowingTaskGroup(of: (Int, ReplayResult).self) { group in
            for (i, driver) in drivers.enumerated() {
                group.addTask {
                    defer { coordinator.depart(i) }
                    return (i, try await driver.run())
                }
            }
            var out = [ReplayResult?](repeating: nil, count: drivers.count)
            for try await (i, r) in group { out[i] = r }
            return out.compactMap { $0 }
        }
        let wall = Double(DispatchTime.now().uptimeNanoseconds - started) / 1e6
        return ReplayFleetResult(names: names, weights: deployments.map(\.weight), results: results,
                                 maxTotalGPUs: maxTotalGPUs, minTotalGPUs: minTotalGPUs,
                                 budgetLimitedDecisions: coordinator.budgetLimitedDecisions, wallTimeMilliseconds: wall)
    }

    /// GPUs of `requested` (prefill, decode) workers of a deployment.
    static func gpus(requested: (Int, Int), _ c: ReplayConfiguration) -> Int {
        let p = c.mode == .agg ? 0 : requested.0
        return (p * c.gpusPerWorker(.prefill)).addingSaturated(requested.1 * c.gpusPerWorker(.decode))
    }
}

/// A deployment's place at the fleet's table: the driver hands over its connector
/// and frontend at each interval end and waits for the fleet's decision.
struct ReplayFleetSeat {
    let index: Int
    let coordinator: ReplayFleetCoordinator

    func decide(connector: ReplayConnector, metrics: ReplayFrontendMetrics) async -> LiveIntervalOutcome {
        await coordinator.arrive(index, connector: connector, metrics: metrics)
    }
}

/// The meeting point of the fleet's drivers: when every deployment still running
/// has reached the interval end, one `FleetPlanner.step` decides for all of them
/// and each driver resumes with its outcome. The step runs while every other
/// driver waits, so no simulator is touched by two tasks at once.
final class ReplayFleetCoordinator: @unchecked Sendable {
    private let lock = NSLock()
    private let deployments: [ReplayFleetDeployment]
    private let maxTotalGPUs: Int
    private let minTotalGPUs: Int
    private var active: Set<Int>
    private var waiting: [Int: (connector: ReplayConnector, metrics: ReplayFrontendMetrics,
                                continuation: CheckedContinuation<LiveIntervalOutcome, Never>)] = [:]
    private var members: [Int: FleetMember] = [:]
    private(set) var budgetLimitedDecisions = 0

    init(deployments: [ReplayFleetDeployment], maxTotalGPUs: Int, minTotalGPUs: Int) {
        self.deployments = deployments
        self.maxTotalGPUs = maxTotalGPUs
        self.minTotalGPUs = minTotalGPUs
        active = Set(deployments.indices)
    }

    func arrive(_ i: Int, connector: ReplayConnector, metrics: ReplayFrontendMetrics) async -> LiveIntervalOutcome {
        await withCheckedContinuation { continuation in
            let ready: Bool = lock.withLock {
                waiting[i] = (connector, metrics, continuation)
                return waiting.count == active.count
            }
            if ready { Task { await self.step() } }
        }
    }

    /// Deployment `i` finished (or failed): the others no longer wait for it.
    func depart(_ i: Int) {
        let ready: Bool = lock.withLock {
            active.remove(i)
            return !waiting.isEmpty && waiting.count == active.count
        }
        if ready { Task { await self.step() } }
    }

    private func step() async {
        let seats = lock.withLock { () -> [Int: (connector: ReplayConnector, metrics: ReplayFrontendMetrics,
                                                 continuation: CheckedContinuation<LiveIntervalOutcome, Never>)] in
            defer { waiting = [:] }
            return waiting
        }
        let order = seats.keys.sorted()
        var observed: [String: ObservedMetrics] = [:]
        let present = order.compactMap { i -> FleetMember? in
            guard let seat = seats[i] else { return nil }
            let d = deployments[i]
            let member = members[i] ?? FleetMember(
                name: d.name, engine: d.engine, connector: seat.connector, weight: d.weight,
                initialWorkers: WorkerCounts(prefill: d.configuration.mode == .agg ? 0 : d.configuration.prefillWorkers,
                                             decode: d.configuration.decodeWorkers))
            members[i] = member
            observed[d.name] = seat.metrics.takeInterval()
            return member
        }
        let fleet = FleetPlanner(members: present, maxTotalGPUs: maxTotalGPUs, minTotalGPUs: minTotalGPUs,
                                 logger: Logger(label: "planner.replay.fleet", factory: { _ in SwiftLogNoOpLogHandler() }))
        let result = await fleet.step(observed: observed)
        for (k, i) in order.enumerated() {
            let outcome = k < result.outcomes.count ? result.outcomes[k] : .invalidMetrics
            if case let .decided(decision, _) = outcome, decision.budgetLimited { budgetLimitedDecisions += 1 }
            seats[i]?.continuation.resume(returning: outcome)
        }
    }
}
