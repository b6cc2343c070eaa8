@testable import Connectors
import Foundation
import XCTest

/// The etcd client, the virtual connector and leader election against a real etcd with
/// authentication enabled: tokens from /v3/auth/authenticate, renewed when etcd lets them
/// expire (`--auth-token-ttl 1`) without losing or repeating a decision; and the refusals
/// (wrong password, no credentials, a role that does not cover the key) as clear errors.
final class EtcdPasswordAuthTests: XCTestCase {
    static let planner = SecuredEtcd.User(name: "planner", password: "planner-test-password", prefix: "v1/auth/planner/")
    static let outsider = SecuredEtcd.User(name: "outsider", password: "outsider-test-password", prefix: "v1/elsewhere/")

    private func client(_ etcd: EtcdProcess, _ security: EtcdSecurity, retryRounds: Int = 3) throws -> EtcdClient {
        EtcdClient(endpoints: try EtcdEndpoints([etcd.clientURL]),
                   configuration: .init(requestTimeoutSeconds: 2, retryRounds: retryRounds), security: security)
    }

    func testTokensAreRenewedForKeysLeasesAndWatches() async throws {
        let etcd = try await SecuredEtcd.startWithAuth(users: [Self.planner], tokenTTL: 1, for: self)
        let client = try client(etcd, SecuredEtcd.security(Self.planner))
        let key = Self.planner.prefix + "probe"
        try await client.put(key, "1")
        let lease = try await client.grantLease(ttlSeconds: 10)
        // A watch opened with a token outlives it: etcd checks the token when the watch is created.
        let revision = try await client.getPrefix(Self.planner.prefix).revision
        let watcher = Task { try await client.waitForChange(key: Self.planner.prefix, prefix: true, afterRevision: revision,
                                                            timeoutSeconds: 15) }
        try await Task.sleep(nanoseconds: 2_500_000_000)  // the token expires (TTL 1 s, unused)
        let before = await client.tokenSession?.issued ?? 0
        try await client.put(key, "2", lease: lease.id)
        let after = await client.tokenSession?.issued ?? 0
        XCTAssertEqual(after, before + 1, "the expired token was replaced once")
        let change = try await watcher.value
        XCTAssertEqual(change?.events.first?.keyValue.value, "2", "the watch saw the write made with the new token")
        try await Task.sleep(nanoseconds: 2_500_000_000)
        let ttl = try await client.keepAliveOnce(leaseID: lease.id)
        XCTAssertGreaterThan(ttl, 0, "the lease lives on across renewals")
        try await Task.sleep(nanoseconds: 2_500_000_000)
        // A watch created after the token expired gets a new token too.
        let late = try await client.getPrefix(Self.planner.prefix).revision
        try await Task.sleep(nanoseconds: 2_500_000_000)
        let second = Task { try await client.waitForChange(key: key, prefix: false, afterRevision: late, timeoutSeconds: 15) }
        try await Task.sleep(nanoseconds: 300_000_000)
        try await client.put(key, "3")
        let secondChange = try await second.value
        XCTAssertEqual(secondChange?.events.first?.keyValue.value, "3")
    }

    func testVirtualConnectorAcrossTokenExpiryLosesAndRepeatsNothing() async throws {
        let etcd = try await SecuredEtcd.startWithAuth(users: [Self.planner], tokenTTL: 1, for: self)
        let planner = try client(etcd, SecuredEtcd.security(Self.planner))
        let environment = try client(etcd, SecuredEtcd.security(Self.planner))
        // 2.5 s before each decision (etcd drops unused tokens on a 1 s tick after the TTL): every
        // decision finds the planner's token expired, and the environment's watch was opened
        // with a token that expired meanwhile.
        try await VirtualConnectorRoundTrip.run(planner: planner, environment: environment, namespace: "auth",
                                                decisions: 4, pauseSeconds: 2.5)
        let renewals = await planner.tokenSession?.issued ?? 0
        XCTAssertGreaterThanOrEqual(renewals, 4, "the planner authenticated again after each expiry")
        try await VirtualConnectorRoundTrip.leaderHandOver(
            try client(etcd, SecuredEtcd.security(Self.planner)), try client(etcd, SecuredEtcd.security(Self.planner)),
            namespace: "auth")
    }

    func testRefusalsAreClearAndNeverShowThePassword() async throws {
        let etcd = try await SecuredEtcd.startWithAuth(users: [Self.planner, Self.outsider], for: self)
        let wrong = SecuredEtcd.User(name: "planner", password: "not-the-password", prefix: "")
        let cases: [(EtcdSecurity, String)] = [
            (SecuredEtcd.security(wrong), "refused the user name and password from test: wrong user name or password"),
            (.none, "requires authentication: give --etcd-username and --etcd-password-file, or set ETCD_AUTH_USERNAME and ETCD_AUTH_PASSWORD"),
            (SecuredEtcd.security(Self.outsider), "etcd range v1/auth/planner/ denied by \(etcd.clientURL)"),
        ]
        for (security, expected) in cases {
            let client = try client(etcd, security)
            let started = Date()
            do {
                _ = try await withTimeout(20, "a refusal") { try await client.getPrefix(Self.planner.prefix) }
                XCTFail("expected a refusal for \(security)")
            } catch let error as EtcdError {
                XCTAssertTrue(error.isConfigurationProblem, "\(error)")
                XCTAssertTrue("\(error)".contains(expected), "`\(expected)` not in: \(error)")
                for secret in [wrong.password, Self.planner.password, Self.outsider.password] {
                    XCTAssertFalse("\(error)".contains(secret))
                }
            }
            XCTAssertLessThan(Date().timeIntervalSince(started), 5, "refused at once, not after retries")
        }
        // A watch on a key the role does not cover is refused the same way, not retried forever.
        let outsider = try client(etcd, SecuredEtcd.security(Self.outsider))
        do {
            _ = try await withTimeout(20, "a refused watch") {
                try await outsider.waitForChange(key: Self.planner.prefix, prefix: true, afterRevision: 1, timeoutSeconds: 10)
            }
            XCTFail("expected a refused watch")
        } catch let error as EtcdError {
            XCTAssertEqual(error, .permissionDenied(operation: "watch \(Self.planner.prefix)", endpoint: etcd.clientURL))
        }
    }
}
