import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import PlannerCore

/// One HTTP client for every etcd call of the process. A global is never deinitialised, which
/// matters because async-http-client insists on an explicit shutdown before deinit.
let etcdHTTPClient: HTTPClient = {
    var configuration = HTTPClient.Configuration()
    // A dead member must cost little before fail-over: a refused connection fails at once
    // (async-http-client would otherwise retry it until the connect timeout), and a host that
    // does not answer costs one second.
    configuration.timeout = .init(connect: .seconds(1), read: nil)
    configuration.connectionPool.retryConnectionEstablishment = false
    // Each watch holds a connection for as long as it waits; the default of 8 per host would
    // let a few concurrent watches queue every other request behind them.
    configuration.connectionPool.concurrentHTTP1ConnectionsPerHostSoftLimit = 64
    return HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
}()

/// Tuning of the etcd client; the defaults suit a planner that decides every few minutes.
public struct EtcdClientConfiguration: Sendable {
    /// Deadline of one unary request on one endpoint, seconds.
    public let requestTimeoutSeconds: Double
    /// How many passes over the endpoint list one operation makes before giving up.
    public let retryRounds: Int
    /// Pause between passes, seconds (gives a cluster time to elect a new leader).
    public let retryBackoffSeconds: Double

    /// Values are clamped into sane ranges (NaN and negatives too), so no setting can make a
    /// later seconds-to-nanoseconds conversion trap.
    public init(requestTimeoutSeconds: Double = 5, retryRounds: Int = 3, retryBackoffSeconds: Double = 0.3) {
        self.requestTimeoutSeconds = clampSeconds(requestTimeoutSeconds, fallback: 5, range: 0.01...3600)
        self.retryRounds = min(max(1, retryRounds), 100)
        self.retryBackoffSeconds = clampSeconds(retryBackoffSeconds, fallback: 0.3, range: 0...60)
    }
}

/// An etcd v3 client over the JSON gateway (`POST /v3/...`), which etcd 3.4 and 3.5 both serve.
///
/// With `EtcdSecurity`, requests carry an authentication token (renewed when etcd rejects it)
/// and https connections present the client certificate; see `EtcdSecurity`.
///
/// Requests go to the endpoint that answered last; a connection error, a timeout or an
/// "unavailable" answer moves on to the next member, so a cluster keeps serving the planner
/// when one member dies. Errors name the operation and every endpoint tried.
public final class EtcdClient: @unchecked Sendable {
    public let endpoints: EtcdEndpoints
    public let configuration: EtcdClientConfiguration
    public let security: EtcdSecurity
    let logger: Logger
    /// Present when `security` has a user name and password.
    let tokenSession: EtcdTokenSession?
    private let lock = NSLock()
    private var preferredIndex = 0
    /// `/v3` for etcd ≥ 3.4; falls back to `/v3beta` (etcd 3.3) after a 404.
    private var apiPrefix = "/v3"

    public init(endpoints: EtcdEndpoints, configuration: EtcdClientConfiguration = .init(),
                security: EtcdSecurity = .none, logger: Logger = Logger(label: "planner.etcd")) {
        self.endpoints = endpoints
        self.configuration = configuration
        self.security = security
        self.logger = logger
        self.tokenSession = security.password == nil ? nil : EtcdTokenSession()
        if security.tls != nil, !endpoints.urls.contains(where: { $0.lowercased().hasPrefix("https://") }) {
            logger.warning("etcd TLS settings given but no endpoint is https:// (\(endpoints)): they are not used")
        }
    }

    /// The endpoint the next request goes to first.
    public var currentEndpoint: String {
        lock.lock(); defer { lock.unlock() }
        return endpoints.urls[preferredIndex]
    }

    // MARK: key-value

    /// Reads one key; nil when it does not exist.
    public func get(_ key: String) async throws -> EtcdKeyValue? {
        try await range(key: key)[key]
    }

    /// Reads every key that starts with `prefix`, with the revision of the read.
    public func getPrefix(_ prefix: String) async throws -> EtcdRangeResult {
        try await range(key: prefix, rangeEndBytes: EtcdJSON.prefixRangeEnd(prefix))
    }

    /// The keys in [`key`, `rangeEndBytes`) last modified at `minModRevision` or later (every
    /// key when 0): what changed since a read at revision `minModRevision - 1`. (A key deleted
    /// since then is not reported.)
    func range(key: String, rangeEndBytes: [UInt8]? = nil, minModRevision: Int64 = 0) async throws -> EtcdRangeResult {
        var body: [String: Any] = ["key": EtcdJSON.encodeBase64(key)]
        if let end = rangeEndBytes { body["range_end"] = EtcdJSON.encodeBase64(bytes: end) }
        if minModRevision > 0 { body["min_mod_revision"] = String(minModRevision) }
        let object = try await call("range \(key)", path: "/kv/range", body: body, fast: EtcdRangeResult.scan)
        if let scanned = object[EtcdRangeResult.scannedKey] as? EtcdRangeResult { return scanned }
        let kvs = (object["kvs"] as? [Any] ?? []).compactMap(EtcdKeyValue.init(json:))
        return EtcdRangeResult(revision: EtcdJSON.revision(ofHeader: object), kvs: kvs)
    }

    /// Writes `value` at `key` (attached to `lease` when non-zero); returns the new revision.
    @discardableResult
    public func put(_ key: String, _ value: String, lease: Int64 = 0) async throws -> Int64 {
        let object = try await call("put \(key)", path: "/kv/put",
                                    body: EtcdOperation.put(key: key, value: value, lease: lease).putBody)
        return EtcdJSON.revision(ofHeader: object)
    }

    /// Deletes `key`; returns the new revision.
    @discardableResult
    public func delete(_ key: String) async throws -> Int64 {
        let object = try await call("delete \(key)", path: "/kv/deleterange",
                                    body: ["key": EtcdJSON.encodeBase64(key)])
        return EtcdJSON.revision(ofHeader: object)
    }

    /// An atomic transaction: if every comparison holds, `success` runs, else `failure`.
    public func txn(compare: [EtcdCompare], success: [EtcdOperation],
                    failure: [EtcdOperation] = [], operation: String = "txn") async throws -> EtcdTxnResult {
        let body: [String: Any] = [
            "compare": compare.map(\.json),
            "success": success.map(\.json),
            "failure": failure.map(\.json),
        ]
        let object = try await call(operation, path: "/kv/txn", body: body, fast: EtcdTxnResult.scan)
        if let scanned = object[EtcdTxnResult.scannedKey] as? EtcdTxnResult { return scanned }
        var ranges: [[EtcdKeyValue]] = []
        for response in object["responses"] as? [Any] ?? [] {
            if let range = (response as? [String: Any])?["response_range"] as? [String: Any] {
                ranges.append((range["kvs"] as? [Any] ?? []).compactMap(EtcdKeyValue.init(json:)))
            }
        }
        return EtcdTxnResult(succeeded: object["succeeded"] as? Bool ?? false,
                             revision: EtcdJSON.revision(ofHeader: object), ranges: ranges)
    }

    // MARK: transport with fail-over

    /// Posts `body` to `path` (below the API prefix) with fail-over; returns the JSON object.
    /// `fast` may read a successful answer itself (answers that grow with a fleet); its
    /// result is returned under its own key, and nil falls back to the generic reading.
    func call(_ operation: String, path: String, body: [String: Any],
              fast: ((Data) -> [String: Any]?)? = nil) async throws -> [String: Any] {
        let payload = try JSONSerialization.data(withJSONObject: body)
        return try await authorized(operation) { token in
            try await withFailover(operation) { endpoint in
                try await self.attempt(operation, endpoint: endpoint, path: path, payload: payload, token: token, fast: fast)
            }
        }
    }

    /// Runs `attempt` on the preferred endpoint, then on the next ones, for `retryRounds` passes.
    /// `RetryableFailure` moves on; any other error (a refusal, a malformed answer, a rejected
    /// token) ends at once.
    /// The endpoint that answered becomes the preferred one.
    func withFailover<T>(_ operation: String, _ attempt: (String) async throws -> T) async throws -> T {
        var failures: [EtcdEndpointFailure] = []
        let count = endpoints.urls.count
        for round in 0..<max(1, configuration.retryRounds) {
            if round > 0 { try await Task.sleep(nanoseconds: UInt64(CheckedNumber.nanoseconds(seconds: configuration.retryBackoffSeconds))) }
            let first = startIndex()
            for offset in 0..<count {
                let index = (first + offset) % count
                let endpoint = endpoints.urls[index]
                do {
                    let answer = try await attempt(endpoint)
                    prefer(index)
                    return answer
                } catch let failure as RetryableFailure {
                    logger.debug("etcd \(operation) failed on \(endpoint): \(failure.reason)")
                    failures.append(EtcdEndpointFailure(endpoint: endpoint, reason: failure.reason))
                } catch let error as EtcdError {
                    throw error
                } catch let rejected as EtcdTokenRejected {
                    throw rejected
                } catch {
                    if Task.isCancelled { throw CancellationError() }
                    failures.append(EtcdEndpointFailure(endpoint: endpoint, reason: Self.describe(error)))
                }
            }
        }
        throw EtcdError.unavailable(operation: operation, failures: failures)
    }

    func attempt(_ operation: String, endpoint: String, path: String,
                 payload: Data, token: String?, fast: ((Data) -> [String: Any]?)? = nil) async throws -> [String: Any] {
        let prefix = currentAPIPrefix()
        let response: HTTPClientResponse
        let bytes: ByteBuffer
        do {
            let request = request(url: endpoint + prefix + path, payload: payload, token: token)
            let timeout = TimeAmount.nanoseconds(CheckedNumber.nanoseconds(seconds: configuration.requestTimeoutSeconds))
            response = try await etcdHTTPClient.execute(request, timeout: timeout, logger: nil)
            bytes = try await response.body.collect(upTo: 64 << 20)
        } catch {
            if Task.isCancelled { throw CancellationError() }
            if let problem = await transportProblem(error, endpoint: endpoint) { throw problem }
            throw RetryableFailure(reason: Self.describe(error))
        }
        let status = Int(response.status.code)
        if status == 200, let fast, let scanned = fast(Data(bytes.readableBytesView)) { return scanned }
        let object = (try? JSONSerialization.jsonObject(with: Data(bytes.readableBytesView))) as? [String: Any]
        if status == 404 && prefix == "/v3" {
            switchToBetaPrefix()
            return try await attempt(operation, endpoint: endpoint, path: path, payload: payload, token: token, fast: fast)
        }
        guard let object else {
            if let problem = plainToTLSMismatch(status: status, body: bytes, endpoint: endpoint) { throw problem }
            if status >= 500 { throw RetryableFailure(reason: "HTTP \(status)") }
            throw EtcdError.malformedResponse(operation: operation, endpoint: endpoint,
                                              detail: "HTTP \(status), body is not a JSON object")
        }
        if status == 200 && object["error"] == nil { return object }
        let message = (object["message"] as? String) ?? (object["error"] as? String) ?? "no message"
        let code = EtcdJSON.int64(object["code"]) ?? 0
        // gRPC codes 14 (unavailable) and 4 (deadline exceeded) and HTTP 5xx mean this member
        // cannot serve right now (no leader, shutting down, request timed out): try another.
        if status >= 500 || code == 14 || code == 4 {
            throw RetryableFailure(reason: "HTTP \(status): \(message)")
        }
        throw refusal(operation, endpoint: endpoint, status: status, code: code, message: message)
    }

    /// A POST of `payload` to `url` with the token (if any) and the TLS settings (used by https URLs).
    func request(url: String, payload: Data, token: String?) -> HTTPClientRequest {
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        if let token { request.headers.add(name: "Authorization", value: token) }
        if let tls = security.tls { request.tlsConfiguration = tls.configuration }
        request.body = .bytes(ByteBuffer(bytes: payload))
        return request
    }

    static func describe(_ error: Error) -> String {
        if let error = error as? HTTPClientError {
            if error == .deadlineExceeded || error == .readTimeout { return "timed out" }
            if error == .connectTimeout { return "connect timed out" }
            if error == .remoteConnectionClosed { return "connection closed by the server" }
        }
        let text = String(describing: error)
        if text.localizedCaseInsensitiveContains("refused") { return "connection refused" }
        if text.localizedCaseInsensitiveContains("reset by peer") { return "connection reset by the server" }
        return text
    }

    func startIndex() -> Int {
        lock.lock(); defer { lock.unlock() }
        return preferredIndex
    }

    func prefer(_ index: Int) {
        lock.lock(); defer { lock.unlock() }
        preferredIndex = index
    }

    func currentAPIPrefix() -> String {
        lock.lock(); defer { lock.unlock() }
        return apiPrefix
    }

    private func switchToBetaPrefix() {
        lock.lock(); defer { lock.unlock() }
        apiPrefix = "/v3beta"
    }
}

/// `seconds` inside `range`; `fallback` when it is NaN.
func clampSeconds(_ seconds: Double, fallback: Double, range: ClosedRange<Double>) -> Double {
    seconds.isNaN ? fallback : min(max(seconds, range.lowerBound), range.upperBound)
}

/// A failure worth trying the next endpoint for.
struct RetryableFailure: Error {
    var reason: String
}
