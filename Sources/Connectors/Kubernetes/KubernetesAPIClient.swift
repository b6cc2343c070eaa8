import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import NIOSSL
import PlannerCore

/// Errors of the Kubernetes connector. API failures carry the HTTP status, the
/// method and the resource path, and the API's own `Status.message`.
public enum KubernetesError: Error, CustomStringConvertible, Equatable {
    case configuration(String)
    case api(status: Int, method: String, resource: String, message: String)
    case unreachable(server: String, reason: String)
    case malformed(resource: String, detail: String)
    case deployment(String)
    case readinessTimeout(resource: String, seconds: Double)

    public var description: String {
        switch self {
        case let .configuration(m): return "Kubernetes configuration: \(m)"
        case let .api(status, method, resource, message):
            return "Kubernetes API answered HTTP \(status) to \(method) \(resource): \(message)"
        case let .unreachable(server, reason): return "Kubernetes API at \(server) is unreachable: \(reason)"
        case let .malformed(resource, detail): return "unreadable Kubernetes object \(resource): \(detail)"
        case let .deployment(m): return "DynamoGraphDeployment: \(m)"
        case let .readinessTimeout(resource, seconds):
            return "\(resource) did not become ready within \(NumberText.plain(seconds)) s"
        }
    }

    /// The HTTP status of an API error (nil for other errors).
    public var httpStatus: Int? {
        if case let .api(status, _, _, _) = self { return status }
        return nil
    }
}

/// JSON over the Kubernetes REST API: GET and merge-PATCH of objects.
public final class KubernetesAPIClient: @unchecked Sendable {
    public let configuration: KubernetesAPIConfiguration
    private let client: HTTPClient
    private let timeout: TimeAmount

    public init(configuration: KubernetesAPIConfiguration, timeoutSeconds: Double = 30) throws {
        self.configuration = configuration
        self.timeout = .nanoseconds(CheckedNumber.nanoseconds(seconds: timeoutSeconds))
        var tls = TLSConfiguration.makeClientConfiguration()
        do {
            if let ca = configuration.certificateAuthorityPEM {
                tls.trustRoots = .certificates(try NIOSSLCertificate.fromPEMBytes(ca))
            }
            if let cert = configuration.clientCertificatePEM, let key = configuration.clientKeyPEM {
                tls.certificateChain = try NIOSSLCertificate.fromPEMBytes(cert).map { .certificate($0) }
                tls.privateKey = .privateKey(try NIOSSLPrivateKey(bytes: key, format: .pem))
            }
        } catch {
            throw KubernetesError.configuration("cannot load the TLS certificates: \(error)")
        }
        if configuration.insecureSkipTLSVerify { tls.certificateVerification = .none }
        self.client = HTTPClient(eventLoopGroupProvider: .singleton,
                                 configuration: HTTPClient.Configuration(tlsConfiguration: tls))
    }

    deinit {
        // Not syncShutdown: the last reference may be dropped on an event-loop thread, where blocking traps.
        client.shutdown { _ in }
    }

    /// GET `resource` (an API path) as a JSON object.
    public func get(_ resource: String) async throws -> [String: Any] {
        try await send("GET", resource, body: nil, contentType: nil)
    }

    /// PATCH `resource` with a JSON merge patch (RFC 7386).
    public func mergePatch(_ resource: String, _ patch: [String: Any]) async throws -> [String: Any] {
        let body = try JSONSerialization.data(withJSONObject: patch)
        return try await send("PATCH", resource, body: body, contentType: "application/merge-patch+json")
    }

    private func send(_ method: String, _ resource: String, body: Data?, contentType: String?) async throws -> [String: Any] {
        var request = HTTPClientRequest(url: configuration.server + resource)
        request.method = HTTPMethod(rawValue: method)
        request.headers.add(name: "Accept", value: "application/json")
        if let token = configuration.bearerToken { request.headers.add(name: "Authorization", value: "Bearer \(token)") }
        if let body, let contentType {
            request.headers.add(name: "Content-Type", value: contentType)
            request.body = .bytes(ByteBuffer(bytes: body))
        }
        let response: HTTPClientResponse
        let buffer: ByteBuffer
        do {
            response = try await client.execute(request, timeout: timeout)
            buffer = try await response.body.collect(upTo: 32 << 20)
        } catch {
            throw KubernetesError.unreachable(server: configuration.server, reason: String(describing: error))
        }
        let data = Data(buffer.readableBytesView)
        let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any]
        guard (200..<300).contains(Int(response.status.code)) else {
            // Failures come as a `Status` object whose `message` says what went wrong.
            let message = object?["message"] as? String ?? String(decoding: data.prefix(300), as: UTF8.self)
            throw KubernetesError.api(status: Int(response.status.code), method: method, resource: resource, message: message)
        }
        guard let object else { throw KubernetesError.malformed(resource: resource, detail: "the answer is not a JSON object") }
        return object
    }
}
