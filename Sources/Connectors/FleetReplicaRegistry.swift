import Foundation
import PlannerCore

/// A planner replica's membership of a sharded fleet in etcd: the key
/// `v1/planner-fleet/<fleet>/replicas/<id>` held by the replica's lease. The live
/// replicas are the keys under that prefix; a replica that dies stops renewing,
/// etcd drops its key after the lease TTL, and the others' rendezvous hashing
/// (`FleetSharding`) hands its deployments out among them.
public final class FleetReplicaRegistry: @unchecked Sendable {
    public let client: EtcdClient
    public let fleet: String
    public let replicaID: String
    public let ttlSeconds: Int64
    private var lease: EtcdLease?

    public init(client: EtcdClient, fleet: String, replicaID: String, ttlSeconds: Int64 = 10) throws {
        for (what, value) in [("fleet name", fleet), ("replica id", replicaID)] {
            guard !value.isEmpty, !value.contains("/") else {
                throw FleetRegistryError(message: "\(what) '\(value)' must be non-empty and contain no '/'")
            }
        }
        guard ttlSeconds >= 1 else { throw FleetRegistryError(message: "replica lease TTL must be at least 1 s (got \(ttlSeconds))") }
        self.client = client
        self.fleet = fleet
        self.replicaID = replicaID
        self.ttlSeconds = ttlSeconds
    }

    public var prefix: String { "v1/planner-fleet/\(fleet)/replicas/" }

    /// Registers (or re-registers after the lease expired) and renews the lease.
    /// Call at least once per TTL/3; the replica is live while this succeeds.
    public func heartbeat() async throws {
        if let lease {
            do {
                try await client.keepAliveOnce(leaseID: lease.id)
                return
            } catch EtcdError.leaseExpired {
                self.lease = nil
            }
        }
        let granted = try await client.grantLease(ttlSeconds: ttlSeconds)
        _ = try await client.put(prefix + replicaID, replicaID, lease: granted.id)
        lease = granted
    }

    /// Ids of the live replicas (this one included once it has registered).
    public func liveReplicas() async throws -> [String] {
        try await client.getPrefix(prefix).kvs.map { String($0.key.dropFirst(prefix.count)) }.sorted()
    }

    /// Of `deployments`, those this replica plans now.
    public func ownedDeployments(_ deployments: [String]) async throws -> [String] {
        FleetSharding.owned(by: replicaID, of: deployments, among: try await liveReplicas())
    }

    /// Leaves at once (revokes the lease) instead of waiting for the TTL.
    public func leave() async {
        if let lease { try? await client.revokeLease(id: lease.id) }
        lease = nil
    }
}

public struct FleetRegistryError: Error, CustomStringConvertible {
    public var message: String
    public var description: String { message }
}
