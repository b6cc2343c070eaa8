/// How a fleet reads and applies the worker counts of many deployments per interval.
/// A batched implementation (`FleetVirtualConnector`: a few etcd transactions for the
/// whole fleet) replaces one connector call per deployment; `MemberConnectors` is the
/// plain one, each member's own `PlannerConnector`, a bounded number at a time.
///
/// Failures are per deployment: one deployment that cannot be read or written never
/// fails the others.
public protocol FleetConnector: Sendable {
    /// The current counts of each named deployment, in the order given.
    func currentWorkerCounts(of deployments: [String]) async -> [Result<WorkerCounts, Error>]
    /// Applies each request (non-blocking); per request, nil when applied or the error.
    func setComponentReplicas(_ requests: [FleetScalingRequest]) async -> [Error?]
}

/// One deployment's targets for `FleetConnector.setComponentReplicas`.
public struct FleetScalingRequest: Sendable, Equatable {
    public var deployment: String
    public var targets: [TargetReplica]

    public init(deployment: String, targets: [TargetReplica]) {
        self.deployment = deployment
        self.targets = targets
    }
}

/// The fleet connector made of the members' own connectors: one call per deployment,
/// `concurrency` in flight at once.
public final class MemberConnectors: FleetConnector, @unchecked Sendable {
    let connectors: [String: PlannerConnector]
    let concurrency: Int

    public init(members: [FleetMember], concurrency: Int = 64) {
        self.connectors = Dictionary(members.map { ($0.name, $0.connector) }, uniquingKeysWith: { a, _ in a })
        self.concurrency = max(1, concurrency)
    }

    struct Unknown: Error, CustomStringConvertible {
        var deployment: String
        var description: String { "deployment '\(deployment)' is not a member of this fleet" }
    }

    public func currentWorkerCounts(of deployments: [String]) async -> [Result<WorkerCounts, Error>] {
        let connectors = self.connectors
        return await FleetPlanner.concurrently(deployments.count, width: concurrency) { i in
            guard let c = connectors[deployments[i]] else { return .failure(Unknown(deployment: deployments[i])) }
            do { return .success(try await c.currentWorkerCounts()) } catch { return .failure(error) }
        }
    }

    public func setComponentReplicas(_ requests: [FleetScalingRequest]) async -> [Error?] {
        let connectors = self.connectors
        return await FleetPlanner.concurrently(requests.count, width: concurrency) { i in
            guard let c = connectors[requests[i].deployment] else { return Unknown(deployment: requests[i].deployment) }
            do {
                try await c.setComponentReplicas(requests[i].targets, blocking: false)
                return nil
            } catch {
                return error
            }
        }
    }
}
