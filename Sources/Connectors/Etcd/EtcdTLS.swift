import Foundation
import NIOSSL

/// One PEM input of the TLS settings: a path to a PEM file, or the PEM text itself (Dynamo
/// 1.0.2's runtime reads `ETCD_AUTH_CA`, `ETCD_AUTH_CLIENT_CERT`, `ETCD_AUTH_CLIENT_KEY` as
/// PEM text, its docs call them paths: both work here).
struct EtcdPEMSource: Sendable {
    let text: String
    /// The flag or variable that gave it.
    let source: String

    init(text: String, source: String) {
        self.text = text
        self.source = source
    }

    var isInline: Bool { text.contains("-----BEGIN ") }

    /// How errors name it: the file and its flag, or the variable holding the PEM text.
    var name: String { isInline ? "the PEM text in \(source)" : "\(text) (\(source))" }

    func bytes(what: String) throws -> [UInt8] {
        isInline ? Array(text.utf8) : try Self.readFile(text, what: "\(what) \(name)")
    }

    /// Reads a small credentials file; errors name `what` (which includes the path).
    static func readFile(_ path: String, what: String) throws -> [UInt8] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw EtcdError.configuration("\(what): no such file")
        }
        guard !isDirectory.boolValue else { throw EtcdError.configuration("\(what): is a directory, not a file") }
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw EtcdError.configuration("\(what): cannot be read (permissions?)")
        }
        defer { try? handle.close() }
        // Certificates, keys and passwords are a few KiB; a megabyte means a wrong file.
        let data = (try? handle.read(upToCount: 1 << 20 + 1)) ?? Data()
        guard data.count <= 1 << 20 else { throw EtcdError.configuration("\(what): larger than 1 MiB, not a credentials file") }
        return Array(data)
    }
}

/// The TLS side of `EtcdSecurity`: the CA bundle that signs etcd's server certificates (the
/// system's trust store when absent) and the client certificate and key etcd's
/// `--client-cert-auth` asks for. Hostname verification stays on.
///
/// Everything is loaded and checked when the settings are made, so a missing, unreadable,
/// expired or mismatched file is one error naming it, before any connection.
public struct EtcdTLSSettings: Sendable, CustomStringConvertible {
    let configuration: TLSConfiguration
    /// How errors name the CA and the client certificate (nil when not given).
    let caName: String?
    let certificateName: String?

    init(ca: EtcdPEMSource?, certificate: EtcdPEMSource?, key: EtcdPEMSource?, now: Date = Date()) throws {
        var tls = TLSConfiguration.makeClientConfiguration()
        if let ca {
            let roots = try Self.certificates(ca, what: "etcd CA")
            if roots.allSatisfy({ Self.notAfter($0) < now }) {
                throw EtcdError.configuration("etcd CA \(ca.name) expired on \(Self.day(Self.notAfter(roots[0])))")
            }
            tls.trustRoots = .certificates(roots)
        }
        if let certificate, let key {
            let chain = try Self.certificates(certificate, what: "etcd client certificate")
            let leaf = chain[0]
            if Self.notAfter(leaf) < now {
                throw EtcdError.configuration(
                    "etcd client certificate \(certificate.name) expired on \(Self.day(Self.notAfter(leaf)))")
            }
            let notBefore = Date(timeIntervalSince1970: TimeInterval(leaf.notValidBefore))
            if notBefore > now {
                throw EtcdError.configuration("etcd client certificate \(certificate.name) is not valid before \(Self.day(notBefore))")
            }
            let privateKey: NIOSSLPrivateKey
            do {
                privateKey = try NIOSSLPrivateKey(bytes: try key.bytes(what: "etcd client key"), format: .pem)
            } catch let error as EtcdError {
                throw error
            } catch {
                throw EtcdError.configuration("etcd client key \(key.name) is not an unencrypted PEM private key")
            }
            tls.certificateChain = chain.map { .certificate($0) }
            tls.privateKey = .privateKey(privateKey)
            // BoringSSL checks that the key belongs to the certificate when a context is made.
            do { _ = try NIOSSLContext(configuration: tls) } catch {
                throw EtcdError.configuration(
                    "etcd client key \(key.name) does not belong to the client certificate \(certificate.name)")
            }
        }
        self.configuration = tls
        self.caName = ca?.name
        self.certificateName = certificate?.name
    }

    public var description: String {
        var parts: [String] = []
        if let certificateName { parts.append("client certificate \(certificateName)") }
        parts.append(caName.map { "CA \($0)" } ?? "the system's CA store")
        return "TLS with " + parts.joined(separator: " and ")
    }

    private static func certificates(_ source: EtcdPEMSource, what: String) throws -> [NIOSSLCertificate] {
        let bytes = try source.bytes(what: what)
        let found = (try? NIOSSLCertificate.fromPEMBytes(bytes)) ?? []
        guard !found.isEmpty else { throw EtcdError.configuration("\(what) \(source.name) holds no PEM certificate") }
        return found
    }

    private static func notAfter(_ certificate: NIOSSLCertificate) -> Date {
        Date(timeIntervalSince1970: TimeInterval(certificate.notValidAfter))
    }

    private static func day(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.string(from: date)
    }
}
