import Foundation
import TestPeers
import NIOSSL
import XCTest

/// A self-signed certificate for 127.0.0.1 (its own CA) made with openssl from PATH,
/// and a server TLS context using it. 
struct TestCertificates {
    let directory: String
    let caPath: String
    let context: NIOSSLContext

    /// openssl comes from PATH through `TestPeers` (a skip without it, a failure under CI=true).
    static func make() throws -> TestCertificates {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("tls-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: try TestPeers.require("openssl", package: "openssl"))
        p.arguments = ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1",
                       "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", "\(dir)/server.key", "-out", "\(dir)/server.crt"]
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        p.waitUntilExit()
        guard p.terminationStatus == 0 else {
            try? FileManager.default.removeItem(atPath: dir)
            throw MissingPeer(reason: "openssl req failed with status \(p.terminationStatus)")
        }
        var tls = TLSConfiguration.makeServerConfiguration(
            certificateChain: try NIOSSLCertificate.fromPEMFile("\(dir)/server.crt").map { .certificate($0) },
            privateKey: .privateKey(try NIOSSLPrivateKey(file: "\(dir)/server.key", format: .pem)))
        tls.minimumTLSVersion = .tlsv12
        return TestCertificates(directory: dir, caPath: "\(dir)/server.crt", context: try NIOSSLContext(configuration: tls))
    }

    func cleanup() {
        try? FileManager.default.removeItem(atPath: directory)
    }
}
