import Foundation
import Logging

/// A decision as the environment sees it; -1 marks a missing (or unreadable) key.
public struct VirtualScalingDecision: Sendable, Equatable {
    public var numPrefillWorkers: Int
    public var numDecodeWorkers: Int
    public var decisionId: Int
    /// The last decision the environment acknowledged (-1 when none).
    public var scaledDecisionId: Int

    public init(numPrefillWorkers: Int, numDecodeWorkers: Int, decisionId: Int, scaledDecisionId: Int = -1) {
        self.numPrefillWorkers = numPrefillWorkers
        self.numDecodeWorkers = numDecodeWorkers
        self.decisionId = decisionId
        self.scaledDecisionId = scaledDecisionId
    }

    /// A decision exists and has not been acknowledged.
    public var isPending: Bool { decisionId >= 0 && scaledDecisionId < decisionId }
}

/// The environment side of the virtual connector (docs/behaviour.md §8.1): reads decisions, waits for
/// changes with an etcd watch, and acknowledges applied decisions.
public final class VirtualConnectorClient: @unchecked Sendable {
    public let keys: VirtualConnectorKeys
    let client: EtcdClient
    let logger: Logger
    private let lock = NSLock()
    /// Revision of the last read; `wait` watches for changes after it, so a decision written
    /// between a `get` and the following `wait` still wakes the waiter.
    private var seenRevision: Int64?

    public init(client: EtcdClient, namespace: String,
                logger: Logger = Logger(label: "planner.virtual-client")) throws {
        self.keys = try VirtualConnectorKeys(namespace: namespace)
        self.client = client
        self.logger = logger
    }

    /// The current decision, -1 for each missing key.
    public func get() async throws -> VirtualScalingDecision {
        let result = try await client.getPrefix(keys.prefix)
        lock.withLock { seenRevision = max(seenRevision ?? 0, result.revision) }
        func number(_ key: String) -> Int {
            guard let kv = result[key] else { return -1 }
            guard let value = Int(kv.value.trimmingCharacters(in: .whitespaces)) else {
                logger.warning("etcd \(key) holds `\(kv.value)`, not a number: treated as missing")
                return -1
            }
            return value
        }
        return VirtualScalingDecision(numPrefillWorkers: number(keys.numPrefillWorkers),
                                      numDecodeWorkers: number(keys.numDecodeWorkers),
                                      decisionId: number(keys.decisionId),
                                      scaledDecisionId: number(keys.scaledDecisionId))
    }

    /// Blocks until any key under the namespace's prefix changes after the last `get` (or after
    /// now, before the first `get`). Returns false when `timeoutSeconds` passes first.
    @discardableResult
    public func wait(timeoutSeconds: Double? = nil) async throws -> Bool {
        let known = lock.withLock { seenRevision }
        let after: Int64
        if let known { after = known } else { after = try await client.getPrefix(keys.prefix).revision }
        guard let result = try await client.waitForChange(key: keys.prefix, prefix: true, afterRevision: after,
                                                          timeoutSeconds: timeoutSeconds) else { return false }
        lock.withLock { seenRevision = max(seenRevision ?? 0, result.revision) }
        return true
    }

    /// Acknowledges `decision`: writes its id to `scaled_decision_id`.
    public func complete(_ decision: VirtualScalingDecision) async throws {
        try await client.put(keys.scaledDecisionId, String(decision.decisionId))
    }
}
