import Foundation
import Logging
import PlannerCore

/// The virtual connector of a whole fleet in a few etcd transactions per interval instead
/// of one or two round trips per deployment (docs/fleet.md).
///
/// * Reading: the first read of a namespace (and every `fullReadEvery`-th read) is a full
///   one, one read-only transaction per `maxTxnOps` namespaces, each operation a prefix range
///   over `v1/{namespace}/planner/`. The reads in between ask etcd only for what changed: one
///   range over the span of every managed namespace's keys with `min_mod_revision` just above
///   the revision already known (the environment's acknowledgements, other planners' and our
///   own decisions), so an interval costs etcd little when little changed. A key *deleted*
///   meanwhile is seen at the next full read (a deleted `decision_id` fails the write guard
///   at once, which re-reads that namespace).
/// * Writing: one transaction per `maxTxnOps / 3` decisions (three puts each, as the
///   one-deployment coordinator writes them: same keys, same decimal values), guarded by
///   every decision's `decision_id` mod revision. When a guard fails, the failure branch
///   re-reads the chunk's namespaces in the same round trip; the namespaces whose
///   `decision_id` moved are decided again on the fresh state (a second conflict is
///   `VirtualConnectorError.conflictingWriter`, as with the coordinator), the others are
///   written again unchanged. So no decision id is ever issued twice.
///
/// The rule per namespace (unchanged, held back while unacknowledged, next id) is the
/// coordinator's (`VirtualConnectorSnapshot.step`). A write decides on the state read by the
/// last `currentWorkerCounts` (the fleet reads it at the start of each interval), not on a
/// second read just before writing: an acknowledgement arriving in between is seen next interval.
/// No leader election: sharded replicas split the fleet instead (`FleetReplicaRegistry`).
public final class FleetVirtualConnector: FleetConnector, @unchecked Sendable {
    public let client: EtcdClient
    public let timing: VirtualConnectorTiming
    /// Operations per transaction: etcd's default `--max-txn-ops`.
    public let maxTxnOps: Int
    /// Transactions in flight at once.
    public let concurrency: Int
    let logger: Logger

    /// Reads between two full reads of every namespace.
    public let fullReadEvery: Int

    private struct State {
        var keys: VirtualConnectorKeys
        var snapshot: VirtualConnectorSnapshot?
        /// The namespace's keys as last read (the snapshot is parsed from them).
        var kvs: [EtcdKeyValue] = []
        var skippingSince: ContinuousClock.Instant?
    }

    private let lock = NSLock()
    private var states: [String: State] = [:]
    /// Every namespace with a snapshot is known up to this store revision (0: none read yet).
    private var knownRevision: Int64 = 0
    private var readsSinceFull = 0
    /// [smallest prefix, end of the largest prefix): every managed namespace's keys.
    private let spanStart: String
    private let spanEnd: [UInt8]

    /// Every namespace's keys are checked here (a namespace with `/` is refused, naming it).
    public init(client: EtcdClient, namespaces: [String], timing: VirtualConnectorTiming = .init(),
                maxTxnOps: Int = 128, concurrency: Int = 8, fullReadEvery: Int = 10,
                logger: Logger = Logger(label: "planner.virtual-connector.fleet")) throws {
        self.client = client
        self.timing = timing
        self.maxTxnOps = max(3, maxTxnOps)
        self.concurrency = max(1, concurrency)
        self.logger = logger
        self.fullReadEvery = max(1, fullReadEvery)
        for name in namespaces {
            states[name] = State(keys: try VirtualConnectorKeys(namespace: name))
        }
        let prefixes = states.values.map(\.keys.prefix)
        spanStart = prefixes.min() ?? "v1/"
        spanEnd = EtcdJSON.prefixRangeEnd(prefixes.max() ?? "v1/")
    }

    struct UnknownNamespace: Error, CustomStringConvertible {
        var namespace: String
        var description: String { "namespace '\(namespace)' is not managed by this fleet connector" }
    }

    private func keys(_ name: String) -> VirtualConnectorKeys? { lock.withLock { states[name]?.keys } }

    // MARK: reading

    public func currentWorkerCounts(of deployments: [String]) async -> [Result<WorkerCounts, Error>] {
        let read = await readSnapshots(deployments)
        return read.map { $0.map { WorkerCounts(prefill: $0.prefill, decode: $0.decode) } }
    }

    /// Reads the namespaces' keys, `maxTxnOps` prefixes per read-only transaction, and
    /// remembers them; per namespace, the state or why it could not be read.
    func readSnapshots(_ names: [String]) async -> [Result<VirtualConnectorSnapshot, Error>] {
        let (full, known) = lock.withLock { () -> (Bool, Int64) in
            readsSinceFull += 1
            if readsSinceFull >= fullReadEvery || knownRevision == 0 {
                readsSinceFull = 0
                // Reading every namespace afresh: the known revision becomes that of this read.
                if Set(names).isSuperset(of: states.keys) { knownRevision = 0 }
                return (true, 0)
            }
            return (false, knownRevision)
        }
        // Changes first, then the namespaces never read: those are read at a later revision
        // than the changes, so the next read of changes misses nothing of theirs.
        var changes: Error?
        if !full {
            do { try await readChanges(after: known) } catch { changes = error }
        }
        let unread = full ? names : names.filter { n in lock.withLock { states[n]?.snapshot == nil } }
        var byName: [String: Result<VirtualConnectorSnapshot, Error>] = [:]
        for (n, r) in zip(unread, await readFully(unread)) { byName[n] = r }
        return lock.withLock {
            names.map { n in
                if let r = byName[n] { return r }
                if let changes { return .failure(changes) }
                guard let snapshot = states[n]?.snapshot else { return .failure(UnknownNamespace(namespace: n)) }
                return .success(snapshot)
            }
        }
    }

    /// One range over every managed namespace's keys, only those changed after `known`;
    /// applied to every namespace already read.
    private func readChanges(after known: Int64) async throws {
        let (plus, overflow) = known.addingReportingOverflow(1)
        let result = try await client.range(key: spanStart, rangeEndBytes: spanEnd, minModRevision: overflow ? known : plus)
        lock.withLock {
            var touched = Set<String>()
            for kv in result.kvs {
                guard let ns = Self.namespace(ofKey: kv.key), var state = states[ns], state.snapshot != nil else { continue }
                if let i = state.kvs.firstIndex(where: { $0.key == kv.key }) { state.kvs[i] = kv } else { state.kvs.append(kv) }
                states[ns] = state
                touched.insert(ns)
            }
            for ns in touched {
                guard let state = states[ns] else { continue }
                states[ns]?.snapshot = VirtualConnectorSnapshot(keys: state.keys, kvs: state.kvs, logger: logger)
            }
            knownRevision = max(knownRevision, result.revision)
        }
    }

    /// `v1/{namespace}/planner/…` → namespace.
    static func namespace(ofKey key: String) -> String? {
        guard key.hasPrefix("v1/") else { return nil }
        let rest = key.dropFirst(3)
        guard let slash = rest.firstIndex(of: "/"), rest[slash...].hasPrefix("/planner/") else { return nil }
        return String(rest[..<slash])
    }

    /// Full reads, `maxTxnOps` namespaces per read-only transaction.
    private func readFully(_ names: [String]) async -> [Result<VirtualConnectorSnapshot, Error>] {
        guard !names.isEmpty else { return [] }
        let chunks = stride(from: 0, to: names.count, by: maxTxnOps).map { Array(names[$0..<min($0 + maxTxnOps, names.count)]) }
        let answers = await FleetPlanner.concurrently(chunks.count, width: concurrency) { c in
            await self.readChunk(chunks[c])
        }
        return answers.flatMap { $0 }
    }

    private func readChunk(_ names: [String]) async -> [Result<VirtualConnectorSnapshot, Error>] {
        var known: [(Int, VirtualConnectorKeys)] = []
        var out = [Result<VirtualConnectorSnapshot, Error>](repeating: .failure(UnknownNamespace(namespace: "")), count: names.count)
        for (i, name) in names.enumerated() {
            if let k = keys(name) { known.append((i, k)) } else { out[i] = .failure(UnknownNamespace(namespace: name)) }
        }
        guard !known.isEmpty else { return out }
        do {
            let result = try await client.txn(compare: [], success: known.map { .getPrefix($0.1.prefix) },
                                              operation: "read \(known.count) namespaces' planner keys from \(known[0].1.prefix)")
            guard result.ranges.count == known.count else {
                throw EtcdError.malformedResponse(operation: "read planner keys", endpoint: client.currentEndpoint,
                                                  detail: "\(result.ranges.count) ranges for \(known.count) namespaces")
            }
            lock.withLock {
                for ((i, k), kvs) in zip(known, result.ranges) {
                    let snapshot = VirtualConnectorSnapshot(keys: k, kvs: kvs, logger: logger)
                    states[k.namespace]?.snapshot = snapshot
                    states[k.namespace]?.kvs = kvs
                    out[i] = .success(snapshot)
                }
                // Incremental reads resume from the oldest full read, so nothing in between is missed.
                knownRevision = knownRevision == 0 ? result.revision : min(knownRevision, result.revision)
            }
        } catch {
            // Read afresh next time: changes read meanwhile do not apply to a namespace without a snapshot.
            lock.withLock { for (_, k) in known { states[k.namespace]?.snapshot = nil } }
            for (i, _) in known { out[i] = .failure(error) }
        }
        return out
    }

    // MARK: writing

    public func setComponentReplicas(_ requests: [FleetScalingRequest]) async -> [Error?] {
        var errors = [Error?](repeating: nil, count: requests.count)
        // Namespaces never read yet are read first (a planner normally reads every interval).
        let unread = requests.indices.filter { i in lock.withLock { states[requests[i].deployment]?.snapshot == nil } }
        if !unread.isEmpty {
            let read = await readSnapshots(unread.map { requests[$0].deployment })
            for (i, r) in zip(unread, read) { if case let .failure(e) = r { errors[i] = e } }
        }
        var pending: [Pending] = []
        for (i, request) in requests.enumerated() where errors[i] == nil {
            do {
                let (prefill, decode) = try VirtualConnector.counts(of: request.targets)
                if let p = try plan(i, request.deployment, prefill: prefill, decode: decode, attempt: 1) { pending.append(p) }
            } catch {
                errors[i] = error
            }
        }
        let per = maxTxnOps / 3
        let chunks = stride(from: 0, to: pending.count, by: per).map { Array(pending[$0..<min($0 + per, pending.count)]) }
        let answers = await FleetPlanner.concurrently(chunks.count, width: concurrency) { c in
            await self.write(chunks[c])
        }
        for (i, e) in answers.joined() { errors[i] = e }
        return errors
    }

    /// A decision waiting to be written: request index, namespace, the step, and which attempt.
    struct Pending {
        var index: Int
        var keys: VirtualConnectorKeys
        var id: Int, prefill: Int, decode: Int
        var compare: [EtcdCompare], success: [EtcdOperation]
        var attempt: Int
        /// The requested counts (nil: keep), to decide again on fresh state after a conflict.
        var request: (Int?, Int?)
    }

    /// The coordinator's rule on the namespace's remembered state; nil when nothing is to be written.
    private func plan(_ index: Int, _ name: String, prefill: Int?, decode: Int?, attempt: Int) throws -> Pending? {
        try lock.withLock { () throws -> Pending? in
            guard var state = states[name], let snapshot = state.snapshot else { throw UnknownNamespace(namespace: name) }
            let step = try snapshot.step(prefill: prefill ?? snapshot.prefill, decode: decode ?? snapshot.decode,
                                         keys: state.keys, fence: [], timing: timing,
                                         skippingSince: &state.skippingSince, logger: logger)
            states[name] = state
            guard case let .write(id, p, d, compare, success) = step else { return nil }
            return Pending(index: index, keys: state.keys, id: id, prefill: p, decode: d, compare: compare,
                           success: success, attempt: attempt, request: (prefill, decode))
        }
    }

    /// Writes one chunk in as few transactions as conflicts allow; the error of each request index.
    private func write(_ chunk: [Pending]) async -> [(Int, Error?)] {
        var out: [(Int, Error?)] = []
        var pending = chunk
        while !pending.isEmpty {
            let result: EtcdTxnResult
            do {
                result = try await client.txn(
                    compare: pending.flatMap(\.compare), success: pending.flatMap(\.success),
                    failure: pending.map { .getPrefix($0.keys.prefix) },
                    operation: "write \(pending.count) decisions from \(pending[0].keys.prefix)")
            } catch {
                return out + pending.map { ($0.index, error as Error?) }
            }
            if result.succeeded {
                lock.withLock {
                    for p in pending {
                        states[p.keys.namespace]?.snapshot?.wrote(id: p.id, prefill: p.prefill, decode: p.decode,
                                                                  revision: result.revision)
                        states[p.keys.namespace]?.skippingSince = nil
                    }
                }
                for p in pending { logger.info("decision \(p.id) in \(p.keys.prefix): prefill \(p.prefill), decode \(p.decode)") }
                return out + pending.map { ($0.index, nil as Error?) }
            }
            // Some decision_id moved under us: find which, from the fresh keys of the failure branch.
            let fresh = result.ranges.count == pending.count ? result.ranges : nil
            let snapshots = pending.indices.map { k in fresh.map { VirtualConnectorSnapshot(keys: pending[k].keys, kvs: $0[k], logger: logger) } }
            var moved = pending.indices.map { k in snapshots[k].map { $0.decisionModRevision != pending[k].decisionGuard } ?? true }
            // A failed guard means at least one moved; if none seems to, decide all again (never loop).
            if !moved.contains(true) { moved = moved.map { _ in true } }
            var next: [Pending] = []
            for (k, p) in pending.enumerated() {
                let snapshot = snapshots[k]
                guard moved[k] else { next.append(p); continue }
                lock.withLock {
                    states[p.keys.namespace]?.snapshot = snapshot
                    if let fresh { states[p.keys.namespace]?.kvs = fresh[k] }
                }
                guard p.attempt < 2, snapshot != nil else {
                    out.append((p.index, VirtualConnectorError.conflictingWriter(namespace: p.keys.namespace)))
                    continue
                }
                logger.info("decision_id changed while writing decision \(p.id) in \(p.keys.prefix): deciding again")
                do {
                    if let again = try plan(p.index, p.keys.namespace, prefill: p.request.0, decode: p.request.1,
                                            attempt: p.attempt + 1) {
                        next.append(again)
                    } else {
                        out.append((p.index, nil))
                    }
                } catch {
                    out.append((p.index, error))
                }
            }
            pending = next
        }
        return out
    }
}

extension FleetVirtualConnector.Pending {
    /// The `decision_id` mod revision this write is guarded by.
    var decisionGuard: Int64 {
        for c in compare { if case let .modRevision(key, revision) = c, key == keys.decisionId { return revision } }
        return -1
    }
}
