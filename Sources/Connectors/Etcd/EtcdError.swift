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
        }
    }
}
