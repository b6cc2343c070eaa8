@testable import Connectors
import Foundation
import KubernetesTestSupport
import NIOSSL
import PlannerCore
import TestPeers
import XCTest

/// The API client's TLS: the cluster CA from the configuration is trusted,
/// a server whose certificate another CA signed is refused with a clear error.
final class KubernetesTLSTests: XCTestCase {
    struct CertificateFailure: Error, CustomStringConvertible {
        let status: Int32
        var description: String { "openssl req could not make a test certificate (exit \(status))" }
    }

    /// A self-signed certificate for 127.0.0.1 made with the openssl tool.
    func selfSigned(in dir: String, name: String) throws -> (cert: [UInt8], key: [UInt8]) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: try TestPeers.require("openssl", package: "openssl"))
        p.arguments = ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1",
                       "-addext", "subjectAltName=IP:127.0.0.1",
                       "-keyout", "\(dir)/\(name).key", "-out", "\(dir)/\(name).crt"]
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        p.waitUntilExit()
        guard p.terminationStatus == 0,
              let cert = FileManager.default.contents(atPath: "\(dir)/\(name).crt"),
              let key = FileManager.default.contents(atPath: "\(dir)/\(name).key") else {
            throw CertificateFailure(status: p.terminationStatus)
        }
        return ([UInt8](cert), [UInt8](key))
    }

    func testClusterCAIsTrustedAndOthersAreRefused() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("k8s-tls-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let server = try selfSigned(in: dir, name: "server")
        let other = try selfSigned(in: dir, name: "other")
        var tls = TLSConfiguration.makeServerConfiguration(
            certificateChain: try NIOSSLCertificate.fromPEMBytes(server.cert).map { .certificate($0) },
            privateKey: .privateKey(try NIOSSLPrivateKey(bytes: server.key, format: .pem)))
        tls.minimumTLSVersion = .tlsv12
        let api = KubernetesTestServer(services: [
            "prefill": KubernetesTestServer.service("prefill", replicas: 2),
            "decode": KubernetesTestServer.service("decode", replicas: 5),
        ])
        let url = try await api.start(tls: try NIOSSLContext(configuration: tls))
        defer { Task { await api.stop() } }
        XCTAssertTrue(url.hasPrefix("https://"))

        let trusted = try KubernetesAPIClient(configuration: KubernetesAPIConfiguration(
            server: url, bearerToken: api.token, certificateAuthorityPEM: server.cert, namespace: "prod"))
        let counts = try await KubernetesConnector(api: trusted, deploymentName: "llama").currentWorkerCounts()
        XCTAssertEqual(counts, WorkerCounts(prefill: 2, decode: 5))

        let wrongCA = try KubernetesAPIClient(configuration: KubernetesAPIConfiguration(
            server: url, bearerToken: api.token, certificateAuthorityPEM: other.cert, namespace: "prod"), timeoutSeconds: 3)
        do {
            _ = try await KubernetesConnector(api: wrongCA, deploymentName: "llama").currentWorkerCounts()
            XCTFail("a certificate from another CA must be refused")
        } catch let e as KubernetesError {
            guard case .unreachable = e else { return XCTFail("\(e)") }
            XCTAssertTrue(e.description.contains(url), e.description)
        }
    }
}
