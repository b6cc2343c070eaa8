import Foundation
import PlannerCore

extension KubernetesConnector {
    /// Waits until the operator has acted on what this connector last patched:
    /// sleeps first, then polls every `pollSeconds` (as Dynamo) until
    /// - the Ready condition is True,
    /// - `status.observedGeneration` has reached `metadata.generation` (where the CRD has them),
    /// - each patched service's spec reads the patched count (a stale read does not),
    /// - each planned service reporting status is stable (spec == updated == serving),
    /// - and, without observedGeneration, the Ready condition has turned since the patch
    ///   or the per-service status shows the new counts.
    /// Transient API failures (5xx, 429, unreachable) are retried until the timeout.
    /// Throws `readinessTimeout` with the last state seen after `readinessTimeoutSeconds`.
    public func waitForDeploymentReady() async throws {
        let start = clock()
        let (wanted, before) = lock.withLock { (expected, transitionBeforePatch) }
        var sawNotReady = false
        var last = "no answer yet"
        while true {
            let remaining = readinessTimeoutSeconds - (clock() - start)
            if remaining <= 0 { break }
            try await Task.sleep(nanoseconds: UInt64(max(0, min(pollSeconds, remaining, 3600)) * 1e9))
            let dgd: DynamoGraphDeployment
            do {
                dgd = try await deployment()
            } catch let e as KubernetesError where e.isTransient {
                last = "\(e)"
                logger.warning("readiness poll failed; retrying", metadata: ["error": "\(e)"])
                continue
            }
            if !dgd.isReady { sawNotReady = true }
            if let pending = try pendingReason(dgd, wanted: wanted, transitionBefore: before, sawNotReady: sawNotReady) {
                last = pending
                logger.info("waiting for the deployment", metadata: ["state": "\(pending)",
                                                                    "waited_s": "\(Int(clock() - start))"])
                continue
            }
            lock.withLock {
                for (service, replicas) in wanted where expected[service] == replicas { expected[service] = nil }
                notReadySince = nil
            }
            return
        }
        throw KubernetesError.readinessTimeout(resource: "dynamographdeployments/\(deploymentName)",
                                               seconds: readinessTimeoutSeconds, lastState: last)
    }

    /// Why the deployment does not yet show the change applied (nil: it does).
    func pendingReason(_ dgd: DynamoGraphDeployment, wanted: [String: Int], transitionBefore: String?,
                       sawNotReady: Bool) throws -> String? {
        guard dgd.isReady else { return dgd.readinessSummary }
        let observed = try dgd.observedGeneration()
        if let generation = try dgd.generation(), let observed, observed < generation {
            return "the operator has observed generation \(observed) of \(generation)"
        }
        let planned = requiredComponents.compactMap { try? dgd.serviceName(for: $0, backend: backend) }
        for service in Set(planned).union(wanted.keys).sorted() {
            let spec = try dgd.desiredReplicas(service: service)
            if let want = wanted[service], spec != want {
                return "spec.services.\(service).replicas reads \(spec), not the \(want) patched (a stale read, or the scaling adapter has not passed it on yet)"
            }
            if dgd.hasServiceStatus(service) {
                let stable = try dgd.isStable(service: service)
                let serving = try dgd.servingReplicas(service: service)
                if !stable { return "\(service): \(serving) of \(spec) replicas serving" }
            }
        }
        if observed == nil, !wanted.isEmpty {
            let turned = sawNotReady || (transitionBefore != nil && dgd.readyTransitionTime != transitionBefore)
            let statusShows = wanted.keys.allSatisfy { dgd.hasServiceStatus($0) }
            if !turned && !statusShows { return "the Ready condition has not turned since the patch" }
        }
        return nil
    }
}
