import Foundation
import Logging

/// One deployment of a fleet: its own decision engine (profile, SLA, predictor
/// state) and connector. Its engine's settings should carry no budget of their
/// own (`maxGPUBudget` < 0); the fleet's budget applies instead.
public final class FleetMember: @unchecked Sendable {
    public let name: String
    public let engine: PlannerDecisionEngine
    public let connector: PlannerConnector
    /// Relative importance in the fleet budget (docs/fleet.md).
    public let weight: Double
    public internal(set) var state: PlannerState
    public internal(set) var decisions = 0
    public internal(set) var appliedDecisions = 0
    public internal(set) var skippedIntervals = 0

    public init(name: String, engine: PlannerDecisionEngine, connector: PlannerConnector, weight: Double = 1,
                initialWorkers: WorkerCounts = WorkerCounts(prefill: 0, decode: 0)) {
        self.name = name
        self.engine = engine
        self.connector = connector
        self.weight = weight
        self.state = PlannerState(workers: initialWorkers, settings: engine.settings)
    }

    /// Sets the workers the member starts from (before its first interval).
    public func start(with workers: WorkerCounts) {
        state = PlannerState(workers: workers, settings: engine.settings)
    }

    /// How far the last interval missed the SLA: max(0, ttft/sla − 1, itl/sla − 1).
    public static func shortfall(_ observed: ObservedMetrics, settings: PlannerSettings) -> Double {
        func miss(_ value: Double?, _ sla: Double) -> Double {
            guard let v = value, v.isFinite, sla > 0 else { return 0 }
            let r = v / sla - 1
            return r.isFinite ? max(0, r) : 0
        }
        return max(miss(observed.ttftMilliseconds, settings.ttftMilliseconds),
                   miss(observed.itlMilliseconds, settings.itlMilliseconds))
    }
}

/// Plans every member once per interval from one shared metrics read — each with
/// `PlannerDecisionEngine.decideInterval`, as a single deployment (SLA feedback and
/// `--hold-scale-down` included) — then divides the fleet's GPUs with `FleetBudget`
/// and applies the grants. A member
/// whose inputs cannot be read, or whose metrics are invalid, keeps its current
/// workers; their GPUs are taken out of the budget before it is divided.
public final class FleetPlanner: @unchecked Sendable {
    /// Replaced between intervals by `run`'s `membership` (discovery); read only by the run loop.
    public private(set) var members: [FleetMember]
    public let maxTotalGPUs: Int
    public let minTotalGPUs: Int
    public let noOperation: Bool
    /// Connector calls (worker counts, scaling) in flight at once, when the members' own
    /// connectors are used.
    public let connectorConcurrency: Int
    /// Reads and applies every member's counts: a batched connector when given, else
    /// `MemberConnectors` over the members' own connectors.
    /// Replaced with the members (`makeConnector`, or `MemberConnectors`) when they change.
    public private(set) var connector: FleetConnector
    private let makeConnector: (@Sendable ([FleetMember]) -> FleetConnector)?
    private let logger: Logger

    public init(members: [FleetMember], maxTotalGPUs: Int, minTotalGPUs: Int, noOperation: Bool = false,
                connectorConcurrency: Int = 64, connector: FleetConnector? = nil,
                makeConnector: (@Sendable ([FleetMember]) -> FleetConnector)? = nil,
                logger: Logger = Logger(label: "planner.fleet")) {
        self.connectorConcurrency = max(1, connectorConcurrency)
        self.makeConnector = makeConnector
        self.connector = connector ?? makeConnector?(members) ?? MemberConnectors(members: members, concurrency: connectorConcurrency)
        self.members = members
        self.maxTotalGPUs = maxTotalGPUs
        self.minTotalGPUs = minTotalGPUs
        self.noOperation = noOperation
        self.logger = logger
    }

    /// The outcome of one interval per member, in member order.
    public struct IntervalResult: Sendable {
        public var outcomes: [LiveIntervalOutcome]
        public var budget: FleetBudget.Result?
        /// Wall seconds of the interval's phases: reading worker counts, deciding (predictors,
        /// replica maths, budget), applying the decisions.
        public var phaseSeconds = Phases()

        public struct Phases: Sendable, Equatable {
            public var counts = 0.0
            public var decide = 0.0
            public var apply = 0.0
        }
    }

    /// One interval. `observed` is the shared metrics read, keyed by member name;
    /// nil when it failed (every member then skips). A member absent from it is idle.
    /// `only` (sharding): plan just these members; the others are left to other
    /// replicas (outcome `.unavailable`), and the budget bounds shrink to this
    /// replica's share, bound × owned / all (floor for the maximum, ceiling for
    /// the minimum), so replicas together stay within the fleet's maximum.
    ///
    /// `counts` are the worker counts read beforehand by `readCounts(only:)` (so the read can
    /// overlap the metrics read, as `run` does); nil reads them here.
    public func step(observed: [String: ObservedMetrics]?, only: Set<String>? = nil,
                     counts preRead: WorkerCountsRead? = nil) async -> IntervalResult {
        var outcomes = [LiveIntervalOutcome](repeating: .invalidMetrics, count: members.count)
        var deciding: [(index: Int, decision: ScalingDecision, shortfall: Double)] = []
        var pinnedGPUs = 0
        // Connector calls are I/O, batched (or bounded) by the fleet connector; decisions run in order.
        let members = self.members
        let planned = members.map { m in only.map { $0.contains(m.name) } ?? true }
        var phases = IntervalResult.Phases()
        var mark = Self.nowSeconds()
        func lap() -> Double {
            let now = Self.nowSeconds()
            defer { mark = now }
            return now - mark
        }
        var counts: [Result<WorkerCounts, Error>] = []
        if observed != nil {
            let read: WorkerCountsRead
            if let preRead { read = preRead } else { read = await readCounts(only: only) }
            counts = read.counts
            phases.counts = read.seconds
        }
        _ = lap()
        for (i, m) in members.enumerated() {
            let settings = m.engine.settings
            guard planned[i] else {
                outcomes[i] = .unavailable(Self.otherReplica)
                continue
            }
            guard let observed else {
                m.skippedIntervals += 1
                outcomes[i] = .unavailable("cannot read metrics")
                pinnedGPUs = pinnedGPUs.addingSaturated(held(m, m.state.workers))
                continue
            }
            let workers: WorkerCounts
            switch counts[i] {
            case let .success(w):
                workers = w
            case let .failure(error):
                m.skippedIntervals += 1
                outcomes[i] = .unavailable("cannot read worker counts: \(error)")
                logger.warning("interval skipped", metadata: ["deployment": "\(m.name)", "reason": "\(error)"])
                pinnedGPUs = pinnedGPUs.addingSaturated(held(m, m.state.workers))
                continue
            }
            let o = observed[m.name] ?? ObservedMetrics(ttftMilliseconds: 0, itlMilliseconds: 0, requestCount: 0,
                                                        isl: 0, osl: 0, requestDurationSeconds: 0)
            // The single deployment's interval: feedback, sizing and the scale-down hold alike.
            guard let result = m.engine.decideInterval(observed: o, workers: workers, state: &m.state) else {
                pinnedGPUs = pinnedGPUs.addingSaturated(held(m, workers))
                continue
            }
            deciding.append((i, result.decision, FleetMember.shortfall(o, settings: settings)))
        }
        guard !deciding.isEmpty else {
            phases.decide = lap()
            return IntervalResult(outcomes: outcomes, budget: nil, phaseSeconds: phases)
        }

        let demands = deciding.map { entry -> FleetDemand in
            let s = members[entry.index].engine.settings
            var d = FleetDemand(prefill: entry.decision.prefill, decode: entry.decision.decode,
                                prefillEngineGPUs: s.prefillEngineGPUs, decodeEngineGPUs: s.decodeEngineGPUs,
                                minEndpoint: s.minEndpoint, weight: members[entry.index].weight, shortfall: entry.shortfall)
            if !s.mode.plansPrefill { d.minPrefill = 0 }
            if !s.mode.plansDecode { d.minDecode = 0 }
            return d
        }
        let share = Self.share(owned: planned.filter { $0 }.count, of: members.count)
        func left(_ bound: Int) -> Int { bound < 0 ? -1 : max(0, bound - min(bound, pinnedGPUs)) }
        let budget = FleetBudget.allocate(demands, maxTotalGPUs: left(share(maxTotalGPUs, false)),
                                          minTotalGPUs: left(share(minTotalGPUs, true)))
        if budget.overBudget {
            logger.warning("min_endpoint floors alone exceed --max-total-gpus; floors granted",
                           metadata: ["gpus": "\(budget.totalGPUs)", "max_total_gpus": "\(maxTotalGPUs)"])
        }
        var granted: [ScalingDecision] = []
        for (entry, grant) in zip(deciding, budget.grants) {
            var decision = entry.decision
            decision.budgetLimited = decision.budgetLimited || grant.prefill < decision.prefill || grant.decode < decision.decode
            decision.prefill = grant.prefill
            decision.decode = grant.decode
            // What was asked for the next interval is the grant: the feedback's startup rule reads it,
            // and the reason is the grant's, set here once (`decideInterval` leaves it to the caller).
            let m = members[entry.index]
            m.state.decision = decision
            m.state.reason = DecisionReason.of(decision, current: m.state.workers, mode: m.engine.settings.mode)
            granted.append(decision)
        }
        let decisions = granted
        phases.decide = lap()
        let requests = zip(deciding, decisions).map { entry, decision in
            let m = members[entry.index]
            return FleetScalingRequest(deployment: m.name, targets: decision.targets(mode: m.engine.settings.mode))
        }
        let failures: [Error?] = noOperation ? Array(repeating: nil, count: decisions.count)
            : await connector.setComponentReplicas(requests)
        phases.apply = lap()
        for (k, entry) in deciding.enumerated() {
            let m = members[entry.index]
            let decision = decisions[k]
            let failure: Error? = k < failures.count ? failures[k] : NoAnswer()
            let applied = !noOperation && failure == nil
            m.decisions += 1
            if applied { m.appliedDecisions += 1 }
            outcomes[entry.index] = .decided(decision, applied: applied)
            // A member connector that reports holds (Kubernetes readiness) names them, as in a single deployment.
            if !noOperation { m.state.noteScalingHold(of: m.connector) }
            var meta: Logger.Metadata = ["deployment": "\(m.name)", "num_p": "\(decision.prefill)",
                                         "num_d": "\(decision.decode)", "requested_p": "\(entry.decision.prefill)",
                                         "requested_d": "\(entry.decision.decode)", "applied": "\(applied)",
                                         "reason": "\(m.state.reason?.rawValue ?? "none")"]
            if let failure {
                meta["error"] = "\(failure)"
                logger.warning(m.state.reason == .heldNotReady ? "decision held: deployment not Ready"
                    : "decision not applied: connector failed", metadata: meta)
            } else {
                logger.info("decision", metadata: meta)
            }
        }
        return IntervalResult(outcomes: outcomes, budget: budget, phaseSeconds: phases)
    }

    static func nowSeconds() -> Double { Double(DispatchTime.now().uptimeNanoseconds) / 1e9 }

    struct NotOwned: Error {}

    /// Every member's worker counts (members not planned here: a failure), and the read's wall time.
    public struct WorkerCountsRead: Sendable {
        public var counts: [Result<WorkerCounts, Error>]
        public var seconds: Double
    }

    /// Reads the worker counts of the members `only` names (all when nil) through the fleet connector.
    public func readCounts(only: Set<String>?) async -> WorkerCountsRead {
        let start = Self.nowSeconds()
        let members = self.members
        var counts = [Result<WorkerCounts, Error>](repeating: .failure(NotOwned()), count: members.count)
        let read = members.indices.filter { i in only.map { $0.contains(members[i].name) } ?? true }
        for (i, r) in zip(read, await connector.currentWorkerCounts(of: read.map { members[$0].name })) { counts[i] = r }
        return WorkerCountsRead(counts: counts, seconds: Self.nowSeconds() - start)
    }

    struct NoAnswer: Error, CustomStringConvertible {
        var description: String { "the fleet connector gave no answer for this deployment" }
    }

    /// The `.unavailable` reason of a member another replica plans.
    public static let otherReplica = "planned by another replica"

    /// bound · owned / total, rounded down (or up); -1 (no bound) stays -1.
    static func share(owned: Int, of total: Int) -> (Int, Bool) -> Int {
        { bound, up in
            guard bound >= 0, total > 0, owned < total else { return bound }
            let (product, overflow) = bound.multipliedReportingOverflow(by: owned)
            if overflow { return bound / total * owned }
            return up ? (product + total - 1) / total : product / total
        }
    }

    /// `body(0..<count)` with at most `width` running at once; results in index order.
    public static func concurrently<T: Sendable>(_ count: Int, width: Int,
                                          _ body: @escaping @Sendable (Int) async -> T) async -> [T] {
        guard count > 0 else { return [] }
        return await withTaskGroup(of: (Int, T).self) { group in
            var results = [T?](repeating: nil, count: count)
            var next = 0
            while next < min(width, count) {
                let i = next
                group.addTask { (i, await body(i)) }
                next += 1
            }
            while let (i, value) = await group.next() {
                results[i] = value
                if next < count {
                    let j = next
                    group.addTask { (j, await body(j)) }
                    next += 1
                }
            }
            return results.compactMap { $0 }
        }
    }

    private let stopLock = NSLock()
    private var stopFlag = false

    /// Asks `run` to return after the interval in progress (signal handlers call this).
    public func requestStop() { stopLock.withLock { stopFlag = true } }

    public var stopRequested: Bool { stopLock.withLock { stopFlag } || Task.isCancelled }

    /// Runs intervals of `intervalSeconds` on `clock` (deadlines start + k·interval,
    /// as `LivePlanner.run`) until a stop request or `maxIntervals`. `observe` is
    /// the one shared metrics read per interval, keyed by member name; when it
    /// throws, every member skips the interval.
    ///
    /// `owned` (sharding) names the members this replica plans this interval;
    /// when it throws (etcd unreachable) the replica plans nothing that interval,
    /// so a replica cut off from the others never plans a deployment they took over.
    /// `membership` (discovery), called before interval k, returns the new members or nil for no change;
    /// `onInterval` sees each interval's result.
    public func run(intervalSeconds: Int, maxIntervals: Int? = nil, clock: LiveClock = MonotonicLiveClock(),
                    owned: (() async throws -> Set<String>)? = nil,
                    membership: ((Int) async -> [FleetMember]?)? = nil,
                    onInterval: ((IntervalResult) -> Void)? = nil,
                    observe: (Int) async throws -> [String: ObservedMetrics]) async {
        let start = clock.nowSeconds()
        var k = 0
        logger.info("fleet planner started", metadata: ["deployments": "\(members.count)", "interval_s": "\(intervalSeconds)",
                                                        "max_total_gpus": "\(maxTotalGPUs)", "min_total_gpus": "\(minTotalGPUs)"])
        while !stopRequested, maxIntervals.map({ k < $0 }) ?? true {
            k += 1
            let deadline = start + Double(k) * Double(intervalSeconds)
            while !stopRequested, clock.nowSeconds() < deadline {
                await clock.sleep(untilSeconds: min(deadline, clock.nowSeconds() + 0.25))
            }
            if stopRequested { break }
            if let changed = await membership?(k) {
                members = changed
                connector = makeConnector?(changed) ?? MemberConnectors(members: changed, concurrency: connectorConcurrency)
            }
            var only: Set<String>?
            if let owned {
                do {
                    only = try await owned()
                } catch {
                    logger.warning("interval skipped: fleet membership unknown", metadata: ["reason": "\(error)"])
                    continue
                }
            }
            // The etcd read and the metrics read are independent: they overlap.
            let shard = only
            async let counts = readCounts(only: shard)
            var observed: [String: ObservedMetrics]?
            do {
                observed = try await observe(intervalSeconds)
            } catch {
                logger.warning("interval skipped for every deployment", metadata: ["reason": "cannot read metrics: \(error)"])
            }
            let result = await step(observed: observed, only: only, counts: await counts)
            onInterval?(result)
            if let b = result.budget {
                let p = result.phaseSeconds
                logger.info("fleet interval", metadata: ["interval": "\(k)", "total_gpus": "\(b.totalGPUs)",
                                                         "counts_s": "\(p.counts)", "decide_s": "\(p.decide)", "apply_s": "\(p.apply)",
                                                         "decided": "\(result.outcomes.filter { if case .decided = $0 { return true } else { return false } }.count)"])
            }
        }
        logger.info("fleet planner stopped", metadata: ["intervals": "\(k)"])
    }

    /// GPUs a member left out of this interval's division keeps: its serving workers,
    /// or its last grant where that is more (workers still starting hold GPUs too).
    private func held(_ m: FleetMember, _ workers: WorkerCounts) -> Int {
        let s = m.engine.settings
        var w = workers
        if let d = m.state.decision {
            if s.mode.plansPrefill { w.prefill = max(w.prefill, d.prefill) }
            if s.mode.plansDecode { w.decode = max(w.decode, d.decode) }
        }
        return gpus(w, s)
    }

    private func gpus(_ w: WorkerCounts, _ s: PlannerSettings) -> Int {
        FleetBudget.gpuTotal([.init(request: 0, floor: 0, gpus: max(1, s.prefillEngineGPUs), worth: 0),
                              .init(request: 0, floor: 0, gpus: max(1, s.decodeEngineGPUs), worth: 0)],
                             [max(0, w.prefill), max(0, w.decode)])
    }
}

extension Int {
    func addingSaturated(_ other: Int) -> Int {
        let (s, o) = addingReportingOverflow(other)
        return o ? Int.max : s
    }
}
