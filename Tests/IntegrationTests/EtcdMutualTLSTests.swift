import Connectors
import Foundation
import XCTest

/// The etcd client, the virtual connector and leader election against a real etcd that
/// requires client certificates (`--client-cert-auth`, https on loopback), and each way a TLS
/// setup goes wrong giving one error that names what to fix, quickly.
final class EtcdMutualTLSTests: XCTestCase {
    private func client(_ etcd: EtcdProcess, _ security: EtcdSecurity) throws -> EtcdClient {
        EtcdClient(endpoints: try EtcdEndpoints([etcd.clientURL]),
                   configuration: .init(requestTimeoutSeconds: 2, retryRounds: 1), security: security)
    }

    func testKeysLeasesWatchesAndTransactionsWork() async throws {
        let certificates = try TestCertificates(for: self)
        let etcd = try await SecuredEtcd.startMutualTLS(certificates, for: self)
        let client = try client(etcd, try certificates.clientSecurity)
        try await client.put("tls/a", "1")
        let value = try await client.get("tls/a")?.value
        XCTAssertEqual(value, "1")
        let lease = try await client.grantLease(ttlSeconds: 5)
        let ttl = try await client.keepAliveOnce(leaseID: lease.id)
        XCTAssertGreaterThan(ttl, 0)
        let revision = try await client.getPrefix("tls/").revision
        let watcher = Task { try await client.waitForChange(key: "tls/", prefix: true, afterRevision: revision, timeoutSeconds: 10) }
        try await Task.sleep(nanoseconds: 200_000_000)
        let txn = try await client.txn(compare: [.value(key: "tls/a", equals: "1")], success: [.put(key: "tls/b", value: "2")])
        XCTAssertTrue(txn.succeeded)
        let change = try await watcher.value
        XCTAssertEqual(change?.events.first?.keyValue.key, "tls/b")
    }

    func testVirtualConnectorClientAndLeaderElection() async throws {
        let certificates = try TestCertificates(for: self)
        let etcd = try await SecuredEtcd.startMutualTLS(certificates, for: self)
        try await VirtualConnectorRoundTrip.run(
            planner: try client(etcd, try certificates.clientSecurity),
            environment: try client(etcd, try certificates.clientSecurity), namespace: "tls", decisions: 3)
        try await VirtualConnectorRoundTrip.leaderHandOver(
            try client(etcd, try certificates.clientSecurity), try client(etcd, try certificates.clientSecurity), namespace: "tls")
    }

    /// Each bad setup: the error, and that it came at once rather than after retries.
    private func assertTLSError(_ etcd: EtcdProcess, _ security: EtcdSecurity, url: String? = nil,
                                contains expected: [String], line: UInt = #line) async throws {
        let client = EtcdClient(endpoints: try EtcdEndpoints([url ?? etcd.clientURL]),
                                configuration: .init(requestTimeoutSeconds: 2, retryRounds: 3), security: security)
        let started = Date()
        do {
            _ = try await withTimeout(20, "a TLS failure") { try await client.get("tls/x") }
            XCTFail("expected a TLS error", line: line)
        } catch let error as EtcdError {
            XCTAssertTrue(error.isConfigurationProblem, "\(error)", line: line)
            for text in expected { XCTAssertTrue("\(error)".contains(text), "`\(text)` not in: \(error)", line: line) }
        }
        XCTAssertLessThan(Date().timeIntervalSince(started), 5, "no retry rounds for a configuration error", line: line)
    }

    func testBadSetupsGiveOneClearErrorNamingTheFile() async throws {
        let c = try TestCertificates(for: self)
        let etcd = try await SecuredEtcd.startMutualTLS(c, for: self)
        try await assertTLSError(etcd, try c.security(), contains: ["requires a client certificate", "--etcd-cert"])
        try await assertTLSError(etcd, try c.security(ca: c.otherCAFile, cert: c.clientCert, key: c.clientKey),
                                 contains: ["not trusted by the CA \(c.otherCAFile)"])
        try await assertTLSError(etcd, try c.security(cert: c.strangerCert, key: c.strangerKey),
                                 contains: ["refused the client certificate \(c.strangerCert)"])
        try await assertTLSError(etcd, try c.clientSecurity, url: etcd.clientURL.replacingOccurrences(of: "https:", with: "http:"),
                                 contains: ["serves TLS", "https://"])
        let plain = try await EtcdProcess.startSingle(for: self)
        try await assertTLSError(plain, try c.clientSecurity, url: plain.clientURL.replacingOccurrences(of: "http:", with: "https:"),
                                 contains: ["does not speak TLS", "http://"])
    }

    func testCertificateForAnotherHostFailsHostnameVerification() async throws {
        let c = try TestCertificates(for: self)
        try EtcdProcess.requireInstalled()
        let members = try await EtcdProcess.startCluster(
            size: 1, scheme: "https",
            extraArguments: ["--client-cert-auth", "--trusted-ca-file", c.caFile,
                             "--cert-file", c.otherHostCert, "--key-file", c.otherHostKey],
            security: try c.clientSecurity)
        addTeardownBlock { members.forEach { $0.kill() } }
        try await assertTLSError(members[0], try c.clientSecurity,
                                 contains: ["not issued for 127.0.0.1", "hostname verification"])
    }

    func testUnusableFilesAreRefusedBeforeAnyConnection() throws {
        let c = try TestCertificates(for: self)
        Thread.sleep(forTimeInterval: 1.1)  // the expired certificate's single second of validity is over
        let cases: [(EtcdSecurityFlags, String)] = [
            (.init(cert: c.expiredCert, key: c.path("expired.key")), "etcd client certificate \(c.expiredCert) (--etcd-cert) expired on"),
            (.init(ca: c.path("missing.pem")), "etcd CA \(c.path("missing.pem")) (--etcd-ca): no such file"),
            (.init(ca: c.serverKey), "etcd CA \(c.serverKey) (--etcd-ca) holds no PEM certificate"),
            (.init(cert: c.clientCert, key: c.serverKey), "does not belong to the client certificate \(c.clientCert)"),
            (.init(cert: c.clientCert), "--etcd-cert and --etcd-key go together"),
        ]
        for (flags, expected) in cases {
            XCTAssertThrowsError(try EtcdSecurity.resolve(flags: flags, environment: [:])) { error in
                XCTAssertTrue("\(error)".contains(expected), "`\(expected)` not in: \(error)")
            }
        }
    }
}
