/// Why one endpoint failed one attempt of an operation.
public struct EtcdEndpointFailure: Sendable, Equatable, CustomStringConvertible {
    public var endpoint: String
    public var reason: String

    public var description: String { "\(endpoint): \(reason)" }
}

/// Errors of the etcd client. Every case names the operation and the endpoint(s) involved,
/// so a user can tell which member was down and what the planner was doing.
public enum EtcdError: Error, Equatable, CustomStringConvertible {
    /// Every endpoint failed with a connection error, a timeout or an "unavailable" answer.
    case unavailable(operation: String, failures: [EtcdEndpointFailure])
    /// An endpoint answered, but refused the request (a client-side mistake, not fail-over material).
    case rejected(operation: String, endpoint: String, status: Int, message: String)
    /// An endpoint answered with something that is not the gateway's JSON.
    case malformedResponse(operation: String, endpoint: String, detail: String)
    /// `ETCD_ENDPOINTS` (or a given list) could not be parsed.
    case invalidEndpoints(String)
    /// The lease is gone (expired or revoked) on the cluster.
    case leaseExpired(leaseID: Int64)
    /// Credentials or TLS files that cannot be used (missing, unreadable, expired, mismatched).
    case configuration(String)
    /// etcd refused who the client says it is (wrong password, no credentials where etcd needs
    /// them, authentication disabled). `reason` names where the credentials came from, never them.
    case authentication(endpoint: String, reason: String)
    /// The user is known, but its roles do not cover the key of `operation`.
    case permissionDenied(operation: String, endpoint: String)
    /// A TLS connection could not be made for a reason a retry will not fix (untrusted or
    /// expired certificate, wrong host name, client certificate refused, TLS/plain mismatch).
    case tls(endpoint: String, reason: String)

    public var description: String {
        switch self {
        case let .unavailable(operation, failures):
            // Several passes over the endpoints repeat the same reasons: say each once, counted.
            var counted: [(EtcdEndpointFailure, Int)] = []
            for failure in failures {
                if let index = counted.firstIndex(where: { $0.0 == failure }) {
                    counted[index].1 += 1
                } else {
                    counted.append((failure, 1))
                }
            }
            let tried = counted.map { $0.1 > 1 ? "\($0.0) (×\($0.1))" : "\($0.0)" }.joined(separator: "; ")
            return "etcd \(operation) failed on every endpoint (\(tried))"
        case let .rejected(operation, endpoint, status, message):
            return "etcd \(operation) rejected by \(endpoint) (HTTP \(status)): \(message)"
        case let .malformedResponse(operation, endpoint, detail):
            return "etcd \(operation): unreadable answer from \(endpoint): \(detail)"
        case let .invalidEndpoints(message):
            return message
        case let .leaseExpired(leaseID):
            return "etcd lease \(leaseID) has expired or was revoked"
        case let .configuration(message):
            return message
        case let .authentication(_, reason):
            return reason
        case let .permissionDenied(operation, endpoint):
            return "etcd \(operation) denied by \(endpoint): the etcd user's roles do not grant this key (grant read and write on the planner's key prefix)"
        case let .tls(_, reason):
            return reason
        }
    }

    /// A problem of configuration (credentials, certificates, permissions) rather than of
    /// availability: retrying with the same settings cannot help.
    public var isConfigurationProblem: Bool {
        switch self {
        case .configuration, .authentication, .permissionDenied, .tls, .invalidEndpoints: return true
        case .unavailable, .rejected, .malformedResponse, .leaseExpired: return false
        }
    }
}
