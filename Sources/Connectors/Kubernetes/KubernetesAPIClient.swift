import AsyncHTTPClient
import Foundation
import Logging
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
    /// Every problem `validateDeployment` found, in one error.
    case validation(deployment: String, problems: [String])
    case readinessTimeout(resource: String, seconds: Double, lastState: String)
    /// A decision not applied because the DGD is not Ready (the reason says how long and what is held).
    case scalingHeld(String)
    /// The API kept answering an older version of the object than one already seen.
    case staleRead(resource: String, generation: Int, newest: Int)

    public var description: String {
        switch self {
        case let .configuration(m): return "Kubernetes configuration: \(m)"
        case let .api(status, method, resource, message):
            return "Kubernetes API answered HTTP \(status) to \(method) \(resource): \(message)"
        case let .unreachable(server, reason): return "Kubernetes API at \(server) is unreachable: \(reason)"
        case let .malformed(resource, detail): return "unreadable Kubernetes object \(resource): \(detail)"
        case let .deployment(m): return "DynamoGraphDeployment: \(m)"
        case let .validation(deployment, problems):
            return "DynamoGraphDeployment \(deployment) cannot be planned (\(problems.count) problem\(problems.count == 1 ? "" : "s")): \(problems.joined(separator: "; "))"
        case let .readinessTimeout(resource, seconds, lastState):
            return "\(resource) did not become ready within \(NumberText.plain(seconds)) s (last seen: \(lastState))"
        case let .scalingHeld(reason): return "decision held: \(reason)"
        case let .staleRead(resource, generation, newest):
            return "\(resource) still reads generation \(generation) after generation \(newest) was seen (stale reads); retrying later"
        }
    }

    /// Worth retrying: the API server or the network failed, not the request.
    public var isTransient: Bool {
        switch self {
        case .unreachable, .staleRead: return true
        case let .api(status, _, _, _): return status >= 500 || status == 429
        default: return false
        }
    }

    /// The HTTP status of an API error (nil for other errors).
    public var httpStatus: Int? {
        if case let .api(status, _, _, _) = self { return status }
        return nil
    }
}

/// JSON over the Kubernetes REST API: GET and merge-PATCH of objects.
///
/// Service-account tokens rotate (bound tokens expire, typically within the hour),
/// so when the configuration names a token file it is read again every
/// `tokenRereadSeconds` (60, as Dynamo's Python client does) and at once on a
/// 401, after which the request is retried once.
public final class KubernetesAPIClient: @unchecked Sendable {
    public let configuration: KubernetesAPIConfiguration
    /// Seconds between re-reads of `configuration.tokenFile`.
    public var tokenRereadSeconds: Double = 60
    private let client: HTTPClient
    private let timeout: TimeAmount
    private let logger: Logger
    private let tokenLock = NSLock()
    private var token: String?
    private var tokenReadAt: Double
    /// Times the token file was read again, and requests retried after a 401.
    public private(set) var tokenRereads = 0
    public private(set) var unauthorizedRetries = 0

    public init(configuration: KubernetesAPIConfiguration, timeoutSeconds: Double = 30,
                logger: Logger = Logger(label: "planner.kubernetes.api")) throws {
        self.configuration = configuration
        self.logger = logger
        self.token = configuration.bearerToken
        self.tokenReadAt = ProcessInfo.processInfo.systemUptime
        // Checked, so a huge or NaN timeout cannot trap in the conversion.
        self.timeout = .nanoseconds(CheckedNumber.nanoseconds(seconds: timeoutSeconds.isFinite && timeoutSeconds > 0 ? timeoutSeconds : 30))
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

    /// The bearer token to send: re-read from the token file when `force` or when the last read is old.
    /// A file that cannot be read keeps the token in hand (rotation swaps the file atomically).
    private func currentToken(force: Bool) -> String? {
        guard let file = configuration.tokenFile else { return token }
        let now = ProcessInfo.processInfo.systemUptime
        return tokenLock.withLock {
            guard force || now - tokenReadAt >= tokenRereadSeconds else { return token }
            tokenReadAt = now
            guard let data = FileManager.default.contents(atPath: file) else {
                logger.warning("cannot re-read the token file; keeping the token in hand", metadata: ["file": "\(file)"])
                return token
            }
            let text = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            if !text.isEmpty {
                if text != token { logger.info("token file changed; using the new token", metadata: ["file": "\(file)"]) }
                token = text
            }
            tokenRereads += 1
            return token
        }
    }

    private func send(_ method: String, _ resource: String, body: Data?, contentType: String?) async throws -> [String: Any] {
        do {
            return try await sendOnce(method, resource, body: body, contentType: contentType, token: currentToken(force: false))
        } catch let e as KubernetesError where e.httpStatus == 401 && configuration.tokenFile != nil {
            // An expired token: read the file again and retry once.
            tokenLock.withLock { unauthorizedRetries += 1 }
            logger.info("401 from the API; re-reading the token file and retrying once", metadata: ["resource": "\(resource)"])
            return try await sendOnce(method, resource, body: body, contentType: contentType, token: currentToken(force: true))
        }
    }

    private func sendOnce(_ method: String, _ resource: String, body: Data?, contentType: String?,
                          token: String?) async throws -> [String: Any] {
        var request = HTTPClientRequest(url: configuration.server + resource)
        request.method = HTTPMethod(rawValue: method)
        request.headers.add(name: "Accept", value: "application/json")
        if let token { request.headers.add(name: "Authorization", value: "Bearer \(token)") }
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
        let parsed = Result { try JSONSerialization.jsonObject(with: data) }
        let object = (try? parsed.get()) as? [String: Any]
        guard (200..<300).contains(Int(response.status.code)) else {
            // Failures come as a `Status` object whose `message` says what went wrong.
            let message = object?["message"] as? String ?? String(decoding: data.prefix(300), as: UTF8.self)
            throw KubernetesError.api(status: Int(response.status.code), method: method, resource: resource, message: message)
        }
        guard let object else {
            // JSONSerialization refuses numbers like 1e400 ("not representable"): say so.
            let why = (try? parsed.get()) == nil ? "the answer is not valid JSON (\(Self.reason(parsed)))" : "the answer is not a JSON object"
            throw KubernetesError.malformed(resource: resource, detail: why)
        }
        return object
    }

    private static func reason(_ r: Result<Any, Error>) -> String {
        guard case let .failure(e) = r else { return "" }
        let ns = e as NSError
        return (ns.userInfo[NSDebugDescriptionErrorKey] as? String) ?? ns.localizedDescription
    }
}
