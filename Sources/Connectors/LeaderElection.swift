import Foundation
import Logging
import PlannerCore

/// Leader election between planner replicas of one namespace (beyond the reference).
///
/// Each replica campaigns on `v1/{namespace}/planner/leader` with a transaction "if the key
/// does not exist, create it attached to my lease". The winner keeps its lease alive; when it
/// dies the lease expires after the TTL, etcd deletes the key, the standbys' watches fire and
/// one of them wins the next transaction. The leader key's create revision is the fencing
/// token: decision writes compare it, so a planner that lost its lease cannot write.
///
/// Usage: `start()` once (campaigns in the background, forever, re-campaigning after a loss)
/// or `campaign()` to wait until leader; `isLeader` to check; `resign()` on shutdown.
public final class LeaderElection: @unchecked Sendable {
    public let key: String
    public let identity: String
    public let ttlSeconds: Int64
    let client: EtcdClient
    let logger: Logger
    /// Pause after an etcd failure before campaigning again.
    let retryDelaySeconds: Double

    private let lock = NSLock()
    private var leaderCreateRevision: Int64?
    private var lease: EtcdLease?
    private var loop: Task<Void, Never>?

    public init(client: EtcdClient, namespace: String, ttlSeconds: Int64 = 15,
                identity: String? = nil, retryDelaySeconds: Double = 1,
                logger: Logger = Logger(label: "planner.leader-election")) throws {
        self.key = try VirtualConnectorKeys(namespace: namespace).leader
        self.client = client
        self.ttlSeconds = min(max(1, ttlSeconds), 86_400)
        self.identity = identity ?? Self.defaultIdentity()
        self.retryDelaySeconds = clampSeconds(retryDelaySeconds, fallback: 1, range: 0.01...60)
        self.logger = logger
    }

    static func defaultIdentity() -> String {
        let host = ProcessInfo.processInfo.hostName
        let suffix = UUID().uuidString.prefix(8).lowercased()
        return "\(host)-\(ProcessInfo.processInfo.processIdentifier)-\(suffix)"
    }

    /// True while this planner holds the leader key with a live lease (as last seen).
    public var isLeader: Bool {
        lock.lock(); defer { lock.unlock() }
        return leaderCreateRevision != nil
    }

    /// The comparison a decision write must include to be fenced by leadership; nil if not leader.
    public var fence: EtcdCompare? {
        lock.lock(); defer { lock.unlock() }
        return leaderCreateRevision.map { .createRevision(key: key, equals: $0) }
    }

    /// Checks in etcd that the leader key is still the one this planner created.
    public func holdsKey() async throws -> Bool {
        guard case let .createRevision(_, revision)? = fence else { return false }
        guard let kv = try await client.get(key) else { return false }
        return kv.createRevision == revision && kv.value == identity
    }

    /// The identity written in the leader key, nil when nobody leads.
    public func currentLeader() async throws -> String? {
        try await client.get(key)?.value
    }

    /// Starts campaigning in the background (idempotent).
    public func start() {
        lock.lock(); defer { lock.unlock() }
        guard loop == nil else { return }
        loop = Task { [self] in await self.run() }
    }

    /// Starts campaigning if needed and returns once this planner is the leader.
    public func campaign() async throws {
        start()
        while !isLeader {
            try Task.checkCancellation()
            try await Task.sleep(nanoseconds: 50_000_000)
        }
    }

    /// Stops campaigning and gives leadership up at once (the lease is revoked, which deletes
    /// the key, so a standby takes over without waiting for the TTL).
    public func resign() async {
        let (task, held) = stopLoop()
        await task?.value
        if let held {
            do { try await client.revokeLease(id: held.id) } catch {
                logger.warning("resign: could not revoke lease \(held.id): \(error); it expires in \(held.ttlSeconds) s")
            }
        }
    }

    /// Stops keeping the lease alive without revoking it, as a crashed planner would:
    /// leadership passes on only when the TTL runs out. For tests and for exits that must not
    /// wait on etcd.
    public func abandon() {
        _ = stopLoop()
    }

    private func stopLoop() -> (Task<Void, Never>?, EtcdLease?) {
        lock.lock(); defer { lock.unlock() }
        let task = loop
        let held = lease
        task?.cancel()
        loop = nil
        lease = nil
        leaderCreateRevision = nil
        return (task, held)
    }

    private func setLeader(_ revision: Int64?) {
        lock.lock()
        let was = leaderCreateRevision
        leaderCreateRevision = revision
        lock.unlock()
        if was == nil, revision != nil {
            logger.info("\(identity) is now the leader of \(key)")
        } else if was != nil, revision == nil {
            logger.warning("\(identity) lost leadership of \(key)")
        }
    }

    private func setLease(_ newLease: EtcdLease?) {
        lock.lock(); defer { lock.unlock() }
        lease = newLease
    }

    /// The campaign / keep-alive loop. One renewal every TTL/3 keeps the lease alive through
    /// two missed renewals; a standby waits on a watch of the leader key between renewals.
    private func run() async {
        let renewEvery = Double(ttlSeconds) / 3
        var current: EtcdLease?
        var lastRenewal = ContinuousClock.now
        while !Task.isCancelled {
            do {
                if current == nil {
                    let granted = try await client.grantLease(ttlSeconds: ttlSeconds)
                    current = granted
                    setLease(granted)
                    lastRenewal = .now
                }
                guard let held = current else { continue }
                if ContinuousClock.now - lastRenewal >= .nanoseconds(CheckedNumber.nanoseconds(seconds: renewEvery)) {
                    do {
                        try await client.keepAliveOnce(leaseID: held.id)
                        lastRenewal = .now
                    } catch EtcdError.leaseExpired {
                        current = nil
                        setLease(nil)
                        setLeader(nil)
                        continue
                    }
                }
                if !isLeader {
                    let txn = try await client.txn(
                        compare: [.createRevision(key: key, equals: 0)],
                        success: [.put(key: key, value: identity, lease: held.id)],
                        failure: [.get(key: key)],
                        operation: "campaign on \(key)")
                    if txn.succeeded {
                        setLeader(txn.revision)
                        continue
                    }
                    if let holder = txn.ranges.first?.first, holder.lease == held.id {
                        setLeader(holder.createRevision)
                        continue
                    }
                    // Wait for the key to go away (or until the next renewal is due).
                    let remaining = renewEvery - Double((ContinuousClock.now - lastRenewal).components.seconds)
                    _ = try await client.waitForChange(key: key, prefix: false, afterRevision: txn.revision,
                                                       timeoutSeconds: max(0.1, remaining))
                } else {
                    try await Task.sleep(nanoseconds: UInt64(CheckedNumber.nanoseconds(seconds: renewEvery)))
                }
            } catch is CancellationError {
                return
            } catch {
                if Task.isCancelled { return }
                logger.warning("leader election on \(key): \(error); retrying in \(retryDelaySeconds) s")
                // Without renewals for a whole TTL the lease is gone on the cluster's side too.
                if ContinuousClock.now - lastRenewal >= .seconds(ttlSeconds) {
                    current = nil
                    setLease(nil)
                    setLeader(nil)
                }
                try? await Task.sleep(nanoseconds: UInt64(CheckedNumber.nanoseconds(seconds: retryDelaySeconds)))
            }
        }
    }
}
