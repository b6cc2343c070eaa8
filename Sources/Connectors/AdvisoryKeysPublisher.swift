import Foundation
import PlannerCore

/// `--advisory` with `--environment virtual`: every decision is written under
/// `v1/{namespace}/planner/advisory/` (`num_prefill_workers`, `num_decode_workers`,
/// `reason`, `decision_seq`), beside — never into — the keys an environment acts on.
public final class AdvisoryKeysPublisher: AdvisoryPublisher, @unchecked Sendable {
    public let client: EtcdClient
    public let prefix: String
    private var sequence = 0

    public init(client: EtcdClient, namespace: String) throws {
        self.client = client
        self.prefix = try VirtualConnectorKeys(namespace: namespace).prefix + "advisory/"
    }

    /// etcd endpoints from `ETCD_ENDPOINTS`.
    public convenience init(namespace: String, environment: [String: String] = ProcessInfo.processInfo.environment) throws {
        try self.init(client: EtcdClient(endpoints: try EtcdEndpoints.fromEnvironment(environment)), namespace: namespace)
    }

    public func publishAdvisory(_ decision: ScalingDecision, reason: DecisionReason, mode: PlannerMode) async throws {
        sequence += 1
        if mode.plansPrefill { _ = try await client.put(prefix + "num_prefill_workers", String(decision.prefill)) }
        if mode.plansDecode { _ = try await client.put(prefix + "num_decode_workers", String(decision.decode)) }
        _ = try await client.put(prefix + "reason", reason.rawValue)
        _ = try await client.put(prefix + "decision_seq", String(sequence))
    }
}
