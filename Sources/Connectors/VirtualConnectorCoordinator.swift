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

    private var snapshot = VirtualConnectorSnapshot()
    private var loaded = false
    private var skippingSince: ContinuousClock.Instant?

    public var numPrefillWorkers: Int { snapshot.prefill }
    public var numDecodeWorkers: Int { snapshot.decode }
    /// The last decision id in etcd; nil when no decision was ever made.
    public var decisionId: Int? { snapshot.decisionId }

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
        return (snapshot.prefill, snapshot.decode)
    }

    /// Reads every key of the namespace; returns `scaled_decision_id` (-1 when missing/unparsable).
    private func refresh() async throws -> Int {
        let result = try await client.getPrefix(keys.prefix)
        snapshot = VirtualConnectorSnapshot(keys: keys, kvs: result.kvs, logger: logger)
        loaded = true
        return snapshot.scaledDecisionId
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
        _ = try await refresh()
        let (prefill, decode) = targets((snapshot.prefill, snapshot.decode))
        var fence: [EtcdCompare]? = []
        if let election = leaderElection { fence = election.fence.map { [$0] } }
        let step = try snapshot.step(prefill: prefill ?? snapshot.prefill, decode: decode ?? snapshot.decode, keys: keys,
                                     fence: fence, timing: timing, skippingSince: &skippingSince, logger: logger)
        guard case let .write(newId, newPrefill, newDecode, compare, success) = step else {
            if case let .done(outcome) = step { return outcome }
            return nil
        }
        let result = try await client.txn(compare: compare, success: success,
                                          operation: "write decision \(newId) in \(keys.prefix)")
        guard result.succeeded else {
            if let election = leaderElection, try await !election.holdsKey() {
                logger.info("lost leadership while writing decision \(newId): not written")
                return .notLeader
            }
            logger.info("decision_id changed while writing decision \(newId): re-reading")
            return nil
        }
        snapshot.wrote(id: newId, prefill: newPrefill, decode: newDecode, revision: result.revision)
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
        guard let target = snapshot.decisionId else { return true }
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
