import AsyncHTTPClient
import Foundation
import NIOCore
import NIOSSL

// Turning transport failures into TLS errors a user can act on: which file, which host, which
// scheme. A refused or reset connection stays fail-over material; a bad certificate does not.

extension EtcdClient {
    /// The TLS failure behind `error`, in words naming the file to fix; nil when `error` is
    /// not one (a refused or reset connection is fail-over material, a bad certificate is not).
    func tlsProblem(_ error: Error, endpoint: String) -> EtcdError? {
        let text = String(describing: error)
        let isHTTPS = endpoint.lowercased().hasPrefix("https://")
        if isHTTPS, text.contains("WRONG_VERSION_NUMBER") {
            return .tls(endpoint: endpoint, reason: "etcd at \(endpoint) does not speak TLS: write the endpoint with http://")
        }
        guard isHTTPS else { return nil }
        let host = URL(string: endpoint)?.host ?? endpoint
        let trust = security.tls?.caName.map { "the CA \($0)" }
            ?? "the system's CA store (give --etcd-ca or \(EtcdSecurityFlags.Variable.ca))"
        if let extra = error as? NIOSSLExtraError, extra == .failedToValidateHostname {
            return .tls(endpoint: endpoint,
                        reason: "the certificate of etcd at \(endpoint) is not issued for \(host) (hostname verification failed)")
        }
        if text.contains("CERTIFICATE_VERIFY_FAILED") {
            return .tls(endpoint: endpoint,
                        reason: "the certificate of etcd at \(endpoint) is not trusted by \(trust): signed by another CA, or expired")
        }
        let refusedClient = ["CERTIFICATE_REQUIRED", "BAD_CERTIFICATE", "UNKNOWN_CA", "CERTIFICATE_EXPIRED",
                             "HANDSHAKE_FAILURE", "CERTIFICATE_UNKNOWN"]
        if refusedClient.contains(where: text.contains) {
            guard let certificate = security.tls?.certificateName else {
                return .tls(endpoint: endpoint,
                            reason: "etcd at \(endpoint) requires a client certificate: give --etcd-cert and --etcd-key, or set \(EtcdSecurityFlags.Variable.ca), \(EtcdSecurityFlags.Variable.cert) and \(EtcdSecurityFlags.Variable.key)")
            }
            return .tls(endpoint: endpoint,
                        reason: "etcd at \(endpoint) refused the client certificate \(certificate): not signed by a CA etcd trusts, or expired")
        }
        return nil
    }

    /// `tlsProblem`, and for a connection the server closed, the reason found by
    /// `diagnoseClosedConnection`: the one place transport errors are turned into TLS errors.
    func transportProblem(_ error: Error, endpoint: String) async -> EtcdError? {
        if let problem = tlsProblem(error, endpoint: endpoint) { return problem }
        let text = String(describing: error)
        if endpoint.lowercased().hasPrefix("https://"), text.contains("EOF during handshake") {
            return await diagnosePlainPort(endpoint: endpoint)
        }
        let closed = (error as? HTTPClientError) == .remoteConnectionClosed
            || text.localizedCaseInsensitiveContains("reset by peer")
        return closed ? await diagnoseClosedConnection(endpoint: endpoint) : nil
    }

    /// A plain etcd port closes a TLS handshake without a word: if plain HTTP gets a JSON
    /// answer there, the endpoint should be http://. nil when it does not (the close was
    /// something else, e.g. a member going down).
    func diagnosePlainPort(endpoint: String) async -> EtcdError? {
        let plain = "http://" + endpoint.drop { $0 != ":" }.dropFirst(3)
        var request = HTTPClientRequest(url: plain + currentAPIPrefix() + "/maintenance/status")
        request.method = .POST
        request.body = .bytes(ByteBuffer(string: "{}"))
        guard let response = try? await etcdHTTPClient.execute(request, timeout: .seconds(2), logger: nil),
              let body = try? await response.body.collect(upTo: 1 << 20),
              (try? JSONSerialization.jsonObject(with: Data(body.readableBytesView))) is [String: Any]
        else { return nil }
        return .tls(endpoint: endpoint, reason: "etcd at \(endpoint) does not speak TLS: write the endpoint with http://")
    }

    /// Why the server closed the connection, when TLS is the reason. With TLS 1.3 etcd refuses a
    /// client certificate after the handshake and just closes, and a TLS port closes on plain
    /// HTTP: one TLS 1.2 probe (where the refusal is an alert inside the handshake) tells which.
    /// nil when the probe finds no TLS trouble (the close was something else).
    func diagnoseClosedConnection(endpoint: String) async -> EtcdError? {
        let isHTTPS = endpoint.lowercased().hasPrefix("https://")
        var tls = isHTTPS ? (security.tls?.configuration ?? .makeClientConfiguration()) : .makeClientConfiguration()
        tls.maximumTLSVersion = .tlsv12
        if !isHTTPS { tls.certificateVerification = .none }
        let base = isHTTPS ? endpoint : "https://" + endpoint.drop { $0 != ":" }.dropFirst(3)
        var request = HTTPClientRequest(url: base + currentAPIPrefix() + "/maintenance/status")
        request.method = .POST
        request.body = .bytes(ByteBuffer(string: "{}"))
        request.tlsConfiguration = tls
        let speaksTLS = EtcdError.tls(endpoint: endpoint, reason: "etcd at \(endpoint) serves TLS: write the endpoint with https://")
        do {
            _ = try await etcdHTTPClient.execute(request, timeout: .seconds(2), logger: nil)
            return isHTTPS ? nil : speaksTLS
        } catch {
            if isHTTPS { return tlsProblem(error, endpoint: endpoint) }
            // Only a TLS alert proves a TLS server; a plain one answers the probe with bytes
            // that are no TLS record at all (WRONG_VERSION_NUMBER), or closes.
            return String(describing: error).contains("ALERT") ? speaksTLS : nil
        }
    }

    /// etcd's answer when plain HTTP reaches its TLS port.
    func plainToTLSMismatch(status: Int, body: ByteBuffer, endpoint: String) -> EtcdError? {
        guard status == 400, String(buffer: body).contains("HTTPS server") else { return nil }
        return .tls(endpoint: endpoint, reason: "etcd at \(endpoint) serves TLS: write the endpoint with https://")
    }
}
