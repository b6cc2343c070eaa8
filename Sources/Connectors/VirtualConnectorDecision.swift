import Foundation
import Logging
import PlannerCore

/// One namespace's virtual-connector keys as read from etcd (docs/behaviour.md §8.1), and the
/// rule that turns a requested count into the guarded write that hands it to the environment.
/// Shared by the one-deployment `VirtualConnectorCoordinator` and the batched
/// `FleetVirtualConnector`, so both write byte-identical keys under the same guards.
struct VirtualConnectorSnapshot: Sendable, Equatable {
    var prefill = 0
    var decode = 0
    /// The last decision id in etcd; nil when no decision was ever made (or it is unreadable).
    var decisionId: Int?
    /// `mod_revision` of `decision_id` (0: the key does not exist): the write's guard.
    var decisionModRevision: Int64 = 0
    /// `scaled_decision_id`, -1 when missing or unparsable.
    var scaledDecisionId = -1

    init() {}

    /// Parses the keys found under `keys.prefix`; unreadable values are logged and read as
    /// the coordinator always did (counts 0, ids unset/unacknowledged).
    init(keys: VirtualConnectorKeys, kvs: [EtcdKeyValue], logger: Logger) {
        func find(_ key: String) -> EtcdKeyValue? { kvs.first { $0.key == key } }
        func count(_ kv: EtcdKeyValue?) -> Int {
            guard let kv else { return 0 }
            do {
                // Within `PlannerLimits.replicas`, so counts times GPUs cannot overflow.
                return try PlannerLimits.replicas.parse(kv.value, name: "etcd \(kv.key)")
            } catch {
                logger.warning("\(error): treated as 0")
                return 0
            }
        }
        prefill = count(find(keys.numPrefillWorkers))
        decode = count(find(keys.numDecodeWorkers))
        if let decision = find(keys.decisionId) {
            decisionModRevision = decision.modRevision
            decisionId = Int(decision.value.trimmingCharacters(in: .whitespaces)).flatMap { $0 >= 0 ? $0 : nil }
            if decisionId == nil {
                logger.warning("etcd \(keys.decisionId) holds `\(decision.value)`, not a decision id: treated as unset")
            }
        }
        if let scaled = find(keys.scaledDecisionId) {
            if let value = Int(scaled.value.trimmingCharacters(in: .whitespaces)) {
                scaledDecisionId = value
            } else {
                logger.warning("etcd \(keys.scaledDecisionId) holds `\(scaled.value)`, not a decision id: treated as unacknowledged")
            }
        }
    }

    /// What to do with a request for (`prefill`, `decode`) given this state.
    enum Step: Equatable {
        /// Nothing to write: unchanged, skipped (previous decision unacknowledged) or standby.
        case done(ScalingDecisionOutcome)
        /// Write these counts as decision `id`: `compare` and `success` form the transaction.
        case write(id: Int, prefill: Int, decode: Int, compare: [EtcdCompare], success: [EtcdOperation])
    }

    /// The decision rule of docs/behaviour.md §8.1. `fence` is the leader-election guard: `[]`
    /// without an election, nil when this planner is a standby. `skippingSince` is the moment
    /// this planner first held a decision back for the pending one (updated here).
    func step(prefill: Int, decode: Int, keys: VirtualConnectorKeys, fence: [EtcdCompare]?,
              timing: VirtualConnectorTiming, skippingSince: inout ContinuousClock.Instant?,
              logger: Logger) throws -> Step {
        if prefill == self.prefill && decode == self.decode {
            logger.info("no scaling needed (prefill \(prefill), decode \(decode))")
            return .done(.unchanged)
        }
        guard let fence else {
            logger.info("standby planner: not the leader, decision prefill \(prefill) decode \(decode) not written")
            return .done(.notLeader)
        }
        if let pending = decisionId, scaledDecisionId < pending {
            let now = ContinuousClock.now
            if let since = skippingSince {
                if now - since < .nanoseconds(CheckedNumber.nanoseconds(seconds: timing.maxWaitSeconds)) {
                    logger.info("decision \(pending) not acknowledged yet (scaled_decision_id \(scaledDecisionId)): skipping new decision")
                    return .done(.skipped(pendingDecisionId: pending))
                }
                logger.warning("decision \(pending) still not acknowledged after \(timing.maxWaitSeconds) s: proceeding anyway")
            } else {
                skippingSince = now
                logger.info("decision \(pending) not acknowledged yet (scaled_decision_id \(scaledDecisionId)): skipping new decision")
                return .done(.skipped(pendingDecisionId: pending))
            }
        }
        let (id, exhausted) = (decisionId ?? -1).addingReportingOverflow(1)
        if exhausted { throw VirtualConnectorError.decisionIdExhausted(key: keys.decisionId) }
        return .write(id: id, prefill: prefill, decode: decode,
                      compare: fence + [.modRevision(key: keys.decisionId, equals: decisionModRevision)],
                      success: [
                          .put(key: keys.numPrefillWorkers, value: String(prefill)),
                          .put(key: keys.numDecodeWorkers, value: String(decode)),
                          .put(key: keys.decisionId, value: String(id)),
                      ])
    }

    /// The state after decision `id` was written at store revision `revision`.
    mutating func wrote(id: Int, prefill: Int, decode: Int, revision: Int64) {
        self.prefill = prefill
        self.decode = decode
        decisionId = id
        decisionModRevision = revision
    }
}
