import Foundation

/// The token of etcd's v3 authentication, shared by every request of one client.
///
/// Concurrent requests that find no token wait for one `/v3/auth/authenticate` instead of
/// each making their own; a token etcd calls invalid is dropped only if it is still the
/// current one, so a burst of rejections costs one new authentication.
actor EtcdTokenSession {
    private var token: String?
    private var inFlight: Task<String, Error>?
    /// How many tokens etcd issued to this client (tests watch renewals with it).
    private(set) var issued = 0

    func current(_ authenticate: @escaping @Sendable () async throws -> String) async throws -> String {
        if let token { return token }
        if let inFlight { return try await inFlight.value }
        let task = Task { try await authenticate() }
        inFlight = task
        defer { inFlight = nil }
        let fresh = try await task.value
        token = fresh
        issued += 1
        return fresh
    }

    func invalidate(_ stale: String) {
        if token == stale { token = nil }
    }
}

/// etcd refused the token a request carried (expired, revoked by a restart, or issued before
/// a change of users and roles). The request was not applied, so sending it again with a
/// fresh token cannot apply it twice.
struct EtcdTokenRejected: Error {
    var reason: String
}

extension EtcdClient {
    /// Runs `body` with the current token (nil without a password); when etcd rejects the
    /// token, authenticates again and runs `body` once more.
    func authorized<T>(_ operation: String, _ body: (String?) async throws -> T) async throws -> T {
        guard let session = tokenSession else { return try await body(nil) }
        let token = try await session.current { [self] in try await self.authenticate() }
        do {
            return try await body(token)
        } catch let rejected as EtcdTokenRejected {
            await session.invalidate(token)
            logger.info("etcd token no longer accepted (\(rejected.reason)): authenticating again")
            let fresh = try await session.current { [self] in try await self.authenticate() }
            do {
                return try await body(fresh)
            } catch let again as EtcdTokenRejected {
                throw EtcdError.authentication(endpoint: currentEndpoint,
                                               reason: "etcd \(operation): a freshly issued token was rejected too (\(again.reason))")
            }
        }
    }

    /// `/v3/auth/authenticate` with the configured user name and password; returns the token.
    func authenticate() async throws -> String {
        guard let credentials = security.password else {
            throw EtcdError.configuration("etcd authentication needs a user name and password")
        }
        let payload = try JSONSerialization.data(withJSONObject: ["name": credentials.username,
                                                                  "password": credentials.password])
        let object: [String: Any]
        do {
            object = try await withFailover("authenticate") { endpoint in
                try await self.attempt("authenticate", endpoint: endpoint, path: "/auth/authenticate",
                                       payload: payload, token: nil)
            }
        } catch let EtcdError.rejected(_, endpoint, _, message) {
            let source = credentials.source
            if message.contains("invalid user ID or password") {
                throw EtcdError.authentication(
                    endpoint: endpoint,
                    reason: "etcd at \(endpoint) refused the user name and password from \(source): wrong user name or password")
            }
            if message.contains("not enabled") {
                throw EtcdError.authentication(
                    endpoint: endpoint,
                    reason: "etcd at \(endpoint) has authentication disabled, but a user name and password are given (\(source)): remove them or enable authentication in etcd")
            }
            throw EtcdError.authentication(endpoint: endpoint,
                                           reason: "etcd at \(endpoint) refused authentication (\(source)): \(message)")
        }
        guard let token = object["token"] as? String, !token.isEmpty else {
            throw EtcdError.malformedResponse(operation: "authenticate", endpoint: currentEndpoint, detail: "no token in the answer")
        }
        logger.debug("etcd: authenticated with the user name and password from \(credentials.source)")
        return token
    }

    /// The error for a refusal etcd explained with `message` (gRPC `code`), in the words a user
    /// can act on: token trouble is retried with a new token, missing credentials and
    /// permissions are named, anything else stays a plain rejection.
    func refusal(_ operation: String, endpoint: String, status: Int, code: Int64, message: String) -> Error {
        let tokenTrouble = message.contains("invalid auth token") || message.contains("auth store is old")
        if message.contains("user name is empty") || tokenTrouble {
            if security.password != nil { return EtcdTokenRejected(reason: message) }
            return EtcdError.authentication(
                endpoint: endpoint,
                reason: "etcd at \(endpoint) requires authentication: give --etcd-username and --etcd-password-file, or set \(EtcdSecurityFlags.Variable.username) and \(EtcdSecurityFlags.Variable.password)")
        }
        if code == 7 || message.contains("permission denied") {
            return EtcdError.permissionDenied(operation: operation, endpoint: endpoint)
        }
        return EtcdError.rejected(operation: operation, endpoint: endpoint, status: status, message: message)
    }
}

extension EtcdClient {
    /// Reads `prefix` once, so that a configuration problem (credentials, certificates,
    /// permissions on the prefix) stops a command at start with one error instead of failing
    /// every interval. Throws such a problem; returns an availability error instead of throwing
    /// it (etcd may still be coming up), nil when the read worked.
    public func checkAccess(prefix: String) async throws -> EtcdError? {
        do {
            _ = try await getPrefix(prefix)
            return nil
        } catch let error as EtcdError where !error.isConfigurationProblem {
            return error
        }
    }
}
