import Connectors
import Foundation
import XCTest

/// The etcd client's operations against a real etcd through its JSON gateway.
final class EtcdClientTests: XCTestCase {
    var server: EtcdProcess!
    var etcd: EtcdClient!

    override func setUp() async throws {
        let started = try await EtcdProcess.startSingle(for: self)
        server = started
        etcd = EtcdClient(endpoints: try EtcdEndpoints([started.clientURL]))
    }

    func testPutGetPrefixDelete() async throws {
        let first = try await etcd.put("p/a", "1")
        let second = try await etcd.put("p/b", "two words ✓")
        try await etcd.put("q/a", "other prefix")
        XCTAssertGreaterThan(second, first)
        let a = try await etcd.get("p/a")
        XCTAssertEqual(a?.value, "1")
        XCTAssertEqual(a?.modRevision, first)
        let missing = try await etcd.get("p/zzz")
        XCTAssertNil(missing)
        let prefix = try await etcd.getPrefix("p/")
        XCTAssertEqual(prefix.kvs.map(\.key), ["p/a", "p/b"])
        XCTAssertEqual(prefix["p/b"]?.value, "two words ✓")
        XCTAssertGreaterThanOrEqual(prefix.revision, second)
        try await etcd.delete("p/a")
        let deleted = try await etcd.get("p/a")
        XCTAssertNil(deleted)
    }

    func testTransactionComparesRevisions() async throws {
        let created = try await etcd.txn(compare: [.createRevision(key: "t/k", equals: 0)],
                                         success: [.put(key: "t/k", value: "mine")], failure: [.get(key: "t/k")])
        XCTAssertTrue(created.succeeded)
        let again = try await etcd.txn(compare: [.createRevision(key: "t/k", equals: 0)],
                                       success: [.put(key: "t/k", value: "theirs")], failure: [.get(key: "t/k")])
        XCTAssertFalse(again.succeeded)
        XCTAssertEqual(again.ranges.first?.first?.value, "mine")
        XCTAssertEqual(again.ranges.first?.first?.createRevision, created.revision)
        let guarded = try await etcd.txn(compare: [.modRevision(key: "t/k", equals: created.revision),
                                                   .value(key: "t/k", equals: "mine")],
                                         success: [.put(key: "t/k", value: "updated")])
        XCTAssertTrue(guarded.succeeded)
        let stale = try await etcd.txn(compare: [.modRevision(key: "t/k", equals: created.revision)],
                                       success: [.put(key: "t/k", value: "lost update")])
        XCTAssertFalse(stale.succeeded)
        let value = try await etcd.get("t/k")?.value
        XCTAssertEqual(value, "updated")
    }

    func testLeaseKeepsKeyAliveUntilRevoked() async throws {
        let lease = try await etcd.grantLease(ttlSeconds: 2)
        XCTAssertGreaterThanOrEqual(lease.ttlSeconds, 2)
        try await etcd.put("l/k", "held", lease: lease.id)
        let attached = try await etcd.get("l/k")
        XCTAssertEqual(attached?.lease, lease.id)
        // Renewed for longer than the TTL: the key stays.
        for _ in 0..<4 {
            try await Task.sleep(nanoseconds: 700_000_000)
            let ttl = try await etcd.keepAliveOnce(leaseID: lease.id)
            XCTAssertGreaterThan(ttl, 0)
        }
        let stillThere = try await etcd.get("l/k")
        XCTAssertNotNil(stillThere)
        try await etcd.revokeLease(id: lease.id)
        let gone = try await etcd.get("l/k")
        XCTAssertNil(gone, "revoking the lease deletes its keys")
        do {
            try await etcd.keepAliveOnce(leaseID: lease.id)
            XCTFail("a revoked lease cannot be renewed")
        } catch let error as EtcdError {
            XCTAssertEqual(error, .leaseExpired(leaseID: lease.id))
        }
        try await etcd.revokeLease(id: lease.id)  // already gone: not an error
    }

    func testWatchSeesChangesAfterRevisionAndTimesOut() async throws {
        let start = try await etcd.getPrefix("w/").revision
        let put = try await etcd.put("w/a", "1")  // made before the watch starts: still seen
        let seen = try await withTimeout(10, "watch") {
            try await self.etcd.waitForChange(key: "w/", prefix: true, afterRevision: start, timeoutSeconds: 5)
        }
        XCTAssertEqual(seen?.events.map(\.keyValue.key), ["w/a"])
        XCTAssertEqual(seen?.events.first?.kind, .put)
        XCTAssertEqual(seen?.revision, put)
        let quiet = try await withTimeout(10, "idle watch") {
            try await self.etcd.waitForChange(key: "w/", prefix: true, afterRevision: put, timeoutSeconds: 0.3)
        }
        XCTAssertNil(quiet)
        let watcher = Task {
            try await self.etcd.waitForChange(key: "w/a", prefix: false, afterRevision: put, timeoutSeconds: 8)
        }
        try await Task.sleep(nanoseconds: 200_000_000)
        try await etcd.put("w/ab", "not this key")
        try await etcd.delete("w/a")
        let deletion = try await withTimeout(10, "watch of a deletion") { try await watcher.value }
        XCTAssertEqual(deletion?.events.map(\.kind), [.delete])
        XCTAssertEqual(deletion?.events.first?.keyValue.key, "w/a")
    }
}
