import Foundation
import Logging
import PlannerCore

/// What `updateScalingDecision` did.
public enum ScalingDecisionOutcome: Sendable, Equatable {
    /// Neither count changes: nothing written ("no scaling needed").
    case unchanged
    /// The previous decision is not acknowledged yet and the max wait has not run out.
    case skipped(pendingDecisionId: Int)
    /// Counts and `decision_id` written.
    case written(decisionId: Int)
    /// Standby planner: another planner holds the leader key, nothing written.
    case notLeader
}

/// The planner side of the virtual connector (docs/behaviour.md §8.1): writes scaling decisions to etcd
/// and waits for the environment to acknowledge them.
///
/// The state is read from etcd before each decision, not only at start: a restarted planner,
/// or a standby that took over, continues the decision ids where the last writer stopped.
/// Writes are one transaction guarded by the `decision_id` revision seen (and by the leader
/// key when a `LeaderElection` is given), so two writers can never issue the same id.
public actor VirtualConnectorCoordinator {
    public nonisolated let keys: VirtualConnectorKeys
    public nonisolated let timing: VirtualConnectorTiming
    let client: EtcdClient
    let leaderElection: LeaderElection?
    let logger: Logger

    public private(set) var numPrefillWorkers = 0
    public private(set) var numDecodeWorkers = 0
    /// The last decision id in etcd; nil when no decision was ever made.
    public private(set) var decisionId: Int?
    private var decisionModRevision: Int64 = 0
    private var loaded = false
    private var skippingSince: ContinuousClock.Instant?

    public init(client: EtcdClient, namespace: String, timing: VirtualConnectorTiming = .init(),
                leaderElection: LeaderElection? = nil,
                logger: Logger = Logger(label: "planner.virtual-connector")) throws {
        self.keys = try VirtualConnectorKeys(namespace: namespace)
        self.timing = timing
        self.client = client
        self.leaderElection = leaderElection
        self.logger = logger
    }

    /// Reads the current values from etcd (done lazily by every other call when needed).
    public func load() async throws {
        _ = try await refresh()
    }

    /// Current counts as last read from or written to etcd.
    public func workerCounts() async throws -> (prefill: Int, decode: Int) {
        if !loaded { try await load() }
        return (numPrefillWorkers, numDecodeWorkers)
    }

    /// Reads every key of the namespace; returns `scaled_decision_id` (-1 when missing/unparsable).
    private func refresh() async throws -> Int {
        let result = try await client.getPrefix(keys.prefix)
        numPrefillWorkers = parseCount(result[keys.numPrefillWorkers], name: "num_prefill_workers")
        numDecodeWorkers = parseCount(result[keys.numDecodeWorkers], name: "num_decode_workers")
        let decision = result[keys.decisionId]
        decisionModRevision = decision?.modRevision ?? 0
        if let decision {
            decisionId = Int(decision.value.trimmingCharacters(in: .whitespaces)).flatMap { $0 >= 0 ? $0 : nil }
            if decisionId == nil {
                logger.warning("etcd \(keys.decisionId) holds `\(decision.value)`, not a decision id: treated as unset")
            }
        } else {
            decisionId = nil
        }
        loaded = true
        guard let scaled = result[keys.scaledDecisionId] else { return -1 }
        guard let value = Int(scaled.value.trimmingCharacters(in: .whitespaces)) else {
            logger.warning("etcd \(keys.scaledDecisionId) holds `\(scaled.value)`, not a decision id: treated as unacknowledged")
            return -1
        }
        return value
    }

    /// A worker count within `PlannerLimits.replicas` (so counts times GPUs cannot overflow);
    /// anything else is logged and read as 0.
    private func parseCount(_ kv: EtcdKeyValue?, name: String) -> Int {
        guard let kv else { return 0 }
        do {
            return try PlannerLimits.replicas.parse(kv.value, name: "etcd \(kv.key)")
        } catch {
            logger.warning("\(error): treated as 0")
            return 0
        }
    }

    /// Hands a new decision to the environment (docs/behaviour.md §8.1). A nil count keeps the current one.
    @discardableResult
    public func updateScalingDecision(prefill: Int?, decode: Int?) async throws -> ScalingDecisionOutcome {
        try await decide { _ in (prefill, decode) }
    }

    /// Changes one count by `delta` (never below 0), relative to the count in etcd right now.
    @discardableResult
    public func stepScalingDecision(_ component: ComponentType, by delta: Int) async throws -> ScalingDecisionOutcome {
        try await decide { current in
            switch component {
            case .prefill: return (max(0, current.prefill.saturatingAdding(delta)), nil)
            case .decode: return (nil, max(0, current.decode.saturatingAdding(delta)))
            }
        }
    }

    /// `targets` maps the counts just read from etcd to the requested ones.
    private func decide(_ targets: ((prefill: Int, decode: Int)) -> (Int?, Int?)) async throws -> ScalingDecisionOutcome {
        // One retry covers a benign race (our own earlier write seen late); a second conflict
        // means somebody else writes decisions.
        for _ in 0..<2 {
            if let outcome = try await attemptDecision(targets) { return outcome }
        }
        throw VirtualConnectorError.conflictingWriter(namespace: keys.namespace)
    }

    /// nil when the guarded write lost a race and should be retried on fresh state.
    private func attemptDecision(_ targets: ((prefill: Int, decode: Int)) -> (Int?, Int?)) async throws -> ScalingDecisionOutcome? {
        let scaled = try await refresh()
        let (prefill, decode) = targets((numPrefillWorkers, numDecodeWorkers))
        let newPrefill = prefill ?? numPrefillWorkers
        let newDecode = decode ?? numDecodeWorkers
        if newPrefill == numPrefillWorkers && newDecode == numDecodeWorkers {
            logger.info("no scaling needed (prefill \(newPrefill), decode \(newDecode))")
            return .unchanged
        }
        var fence: [EtcdCompare] = []
        if let election = leaderElection {
            guard let leaderFence = election.fence else {
                logger.info("standby planner: not the leader, decision prefill \(newPrefill) decode \(newDecode) not written")
                return .notLeader
            }
            fence.append(leaderFence)
        }
        if let pending = decisionId, scaled < pending {
            let now = ContinuousClock.now
            if let since = skippingSince {
                let waited = now - since
                if waited < .nanoseconds(CheckedNumber.nanoseconds(seconds: timing.maxWaitSeconds)) {
                    logger.info("decision \(pending) not acknowledged yet (scaled_decision_id \(scaled)): skipping new decision")
                    return .skipped(pendingDecisionId: pending)
                }
                logger.warning("decision \(pending) still not acknowledged after \(timing.maxWaitSeconds) s: proceeding anyway")
            } else {
                skippingSince = now
                logger.info("decision \(pending) not acknowledged yet (scaled_decision_id \(scaled)): skipping new decision")
                return .skipped(pendingDecisionId: pending)
            }
        }
        let (newId, exhausted) = (decisionId ?? -1).addingReportingOverflow(1)
        if exhausted { throw VirtualConnectorError.decisionIdExhausted(key: keys.decisionId) }
        let result = try await client.txn(
            compare: fence + [.modRevision(key: keys.decisionId, equals: decisionModRevision)],
            success: [
                .put(key: keys.numPrefillWorkers, value: String(newPrefill)),
                .put(key: keys.numDecodeWorkers, value: String(newDecode)),
                .put(key: keys.decisionId, value: String(newId)),
            ],
            operation: "write decision \(newId) in \(keys.prefix)")
        guard result.succeeded else {
            if let election = leaderElection, try await !election.holdsKey() {
                logger.info("lost leadership while writing decision \(newId): not written")
                return .notLeader
            }
            logger.info("decision_id changed while writing decision \(newId): re-reading")
            return nil
        }
        numPrefillWorkers = newPrefill
        numDecodeWorkers = newDecode
        decisionId = newId
        decisionModRevision = result.revision
        skippingSince = nil
        logger.info("decision \(newId): prefill \(newPrefill), decode \(newDecode)")
        return .written(decisionId: newId)
    }

    /// Waits until the environment acknowledges the last decision (docs/behaviour.md §8.1): returns at once
    /// when no decision was ever made; polls every check interval, at most max-wait / interval
    /// times. Returns false (after logging) on timeout. etcd errors while polling are logged
    /// and polling goes on: the environment may well be scaling while one member restarts.
    @discardableResult
    public func waitForScalingCompletion() async throws -> Bool {
        if !loaded { try await load() }
        guard let target = decisionId else { return true }
        let attempts = CheckedNumber.clampedInt(timing.maxWaitSeconds / timing.checkIntervalSeconds, to: 1...Int.max) ?? 1
        for attempt in 0..<attempts {
            do {
                if let scaled = try await client.get(keys.scaledDecisionId),
                   let value = Int(scaled.value.trimmingCharacters(in: .whitespaces)), value >= target {
                    return true
                }
            } catch let error as EtcdError {
                logger.warning("waiting for decision \(target): \(error)")
            }
            if attempt < attempts - 1 {
                try await Task.sleep(nanoseconds: UInt64(CheckedNumber.nanoseconds(seconds: timing.checkIntervalSeconds)))
            }
        }
        logger.warning("decision \(target) not acknowledged within \(timing.maxWaitSeconds) s: giving up waiting")
        return false
    }
}
