import Connectors
import Foundation
import TestPeers
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import XCTest

/// Certificates made with openssl for one test: a CA, etcd's server certificate for
/// 127.0.0.1, a client certificate, and the wrong ones the bad cases need.
final class TestCertificates: @unchecked Sendable {
    let directory: URL
    var caFile: String { path("ca.pem") }
    var serverCert: String { path("server.pem") }
    var serverKey: String { path("server.key") }
    var clientCert: String { path("client.pem") }
    var clientKey: String { path("client.key") }
    /// A second CA, trusted by nobody.
    var otherCAFile: String { path("other-ca.pem") }
    /// Server certificate from the right CA, but for host etcd.example only.
    var otherHostCert: String { path("otherhost.pem") }
    var otherHostKey: String { path("otherhost.key") }
    /// Client certificate signed by the other CA.
    var strangerCert: String { path("stranger.pem") }
    var strangerKey: String { path("stranger.key") }
    /// Client certificate whose validity ended when it was made.
    var expiredCert: String { path("expired.pem") }

    func path(_ name: String) -> String { directory.appendingPathComponent(name).path }

    /// Makes every file; skips (or fails under CI) without openssl.
    init(for test: XCTestCase) throws {
        let openssl = try TestPeers.require("openssl", package: "openssl")
        directory = try ManagedProcess.scratchDirectory(prefix: "planner-certs")
        let dir = directory
        test.addTeardownBlock { try? FileManager.default.removeItem(at: dir) }
        let run = { (arguments: [String]) throws in try Self.run(openssl, arguments, in: dir) }
        // etcd's JSON gateway dials etcd's own gRPC port with the server certificate as its
        // client certificate, so server certificates need clientAuth too.
        try "[server]\nsubjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth,clientAuth\n[client]\nextendedKeyUsage=clientAuth\n[otherhost]\nsubjectAltName=DNS:etcd.example\nextendedKeyUsage=serverAuth,clientAuth\n"
            .write(to: dir.appendingPathComponent("ext.cnf"), atomically: true, encoding: .utf8)
        for ca in ["ca", "other-ca"] {
            try run(["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "\(ca).key", "-out", "\(ca).pem",
                     "-days", "2", "-subj", "/CN=planner test \(ca)"])
        }
        for (name, ca, ext, days) in [("server", "ca", "server", "2"), ("client", "ca", "client", "2"),
                                      ("otherhost", "ca", "otherhost", "2"), ("stranger", "other-ca", "client", "2"),
                                      ("expired", "ca", "client", "0")] {
            try run(["req", "-newkey", "rsa:2048", "-nodes", "-keyout", "\(name).key", "-out", "\(name).csr",
                     "-subj", "/CN=\(name)"])
            try run(["x509", "-req", "-in", "\(name).csr", "-CA", "\(ca).pem", "-CAkey", "\(ca).key", "-CAcreateserial",
                     "-out", "\(name).pem", "-days", days, "-extfile", "ext.cnf", "-extensions", ext])
        }
    }

    private static func run(_ openssl: String, _ arguments: [String], in directory: URL) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: openssl)
        process.arguments = arguments
        process.currentDirectoryURL = directory
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw ManagedProcessError("openssl \(arguments.joined(separator: " ")) exited \(process.terminationStatus)")
        }
    }

    /// The client side as Dynamo's runtime reads it (PEM text in ETCD_AUTH_*; see EtcdSecurity).
    func dynamoEnvironment() throws -> [String: String] {
        ["ETCD_AUTH_CA": try String(contentsOfFile: caFile, encoding: .utf8),
         "ETCD_AUTH_CLIENT_CERT": try String(contentsOfFile: clientCert, encoding: .utf8),
         "ETCD_AUTH_CLIENT_KEY": try String(contentsOfFile: clientKey, encoding: .utf8)]
    }

    func security(ca: String? = nil, cert: String? = nil, key: String? = nil) throws -> EtcdSecurity {
        try EtcdSecurity.resolve(flags: EtcdSecurityFlags(ca: ca ?? caFile, cert: cert, key: key), environment: [:])
    }

    var clientSecurity: EtcdSecurity {
        get throws { try security(cert: clientCert, key: clientKey) }
    }
}

/// etcd started the two ways production secures it.
enum SecuredEtcd {
    /// https on loopback with `--client-cert-auth`: only certificates from `certificates.caFile` get in.
    static func startMutualTLS(_ certificates: TestCertificates, for test: XCTestCase) async throws -> EtcdProcess {
        try EtcdProcess.requireInstalled()
        let members = try await EtcdProcess.startCluster(
            size: 1, scheme: "https",
            extraArguments: ["--client-cert-auth", "--trusted-ca-file", certificates.caFile,
                             "--cert-file", certificates.serverCert, "--key-file", certificates.serverKey],
            security: try certificates.clientSecurity)
        test.addTeardownBlock { members.forEach { $0.kill() } }
        return members[0]
    }

    struct User {
        var name: String
        var password: String
        /// Key prefix the user's role may read and write.
        var prefix: String
    }

    /// Plain http with authentication enabled: `root` plus `users`, each with a role limited to
    /// its prefix. `tokenTTL` is etcd's `--auth-token-ttl` (seconds a simple token lives unused).
    static func startWithAuth(users: [User], tokenTTL: Int = 300, for test: XCTestCase) async throws -> EtcdProcess {
        try EtcdProcess.requireInstalled()
        let members = try await EtcdProcess.startCluster(size: 1, extraArguments: ["--auth-token-ttl", String(tokenTTL)])
        test.addTeardownBlock { members.forEach { $0.kill() } }
        let etcd = members[0]
        try await admin(etcd, "/auth/user/add", ["name": "root", "password": rootPassword])
        try await admin(etcd, "/auth/user/grant", ["user": "root", "role": "root"])
        for user in users {
            let role = "\(user.name)-role"
            try await admin(etcd, "/auth/user/add", ["name": user.name, "password": user.password])
            try await admin(etcd, "/auth/role/add", ["name": role])
            try await admin(etcd, "/auth/role/grant", ["name": role, "perm": [
                "permType": "READWRITE", "key": base64(user.prefix), "range_end": base64(prefixEnd(user.prefix)),
            ]])
            try await admin(etcd, "/auth/user/grant", ["user": user.name, "role": role])
        }
        try await admin(etcd, "/auth/enable", [:])
        return etcd
    }

    static let rootPassword = "root-test-password"

    private static func admin(_ etcd: EtcdProcess, _ path: String, _ body: [String: Any]) async throws {
        var request = URLRequest(url: URL(string: etcd.clientURL + "/v3" + path)!)
        request.httpMethod = "POST"
        request.httpBody = try JSONSerialization.data(withJSONObject: body)
        let (data, response) = try await URLSession.shared.data(for: request)
        guard (response as? HTTPURLResponse)?.statusCode == 200 else {
            throw ManagedProcessError("etcd \(path): \(String(decoding: data, as: UTF8.self))")
        }
    }

    private static func base64(_ text: String) -> String { Data(text.utf8).base64EncodedString() }

    private static func prefixEnd(_ prefix: String) -> String {
        var bytes = Array(prefix.utf8)
        bytes[bytes.count - 1] += 1
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Credentials as flags would give them, for in-process clients.
    static func security(_ user: User) -> EtcdSecurity {
        EtcdSecurity(password: EtcdPasswordCredentials(username: user.name, password: user.password, source: "test"))
    }
}
