import Foundation
import PlannerCore

/// GPUs per worker as a DynamoGraphDeployment declares them, per component:
/// the count and where it came from, or why none was found.
public struct DeploymentGPUs: Sendable, Equatable {
    public struct Entry: Sendable, Equatable {
        public var count: Int?
        /// Where the count was read ("spec.services.X.resources.limits.gpu"), or why there is none.
        public var source: String

        public init(count: Int?, source: String) {
            self.count = count
            self.source = source
        }
    }

    public var prefill: Entry
    public var decode: Entry

    public init(prefill: Entry, decode: Entry) {
        self.prefill = prefill
        self.decode = decode
    }

    public subscript(component: ComponentType) -> Entry { component == .prefill ? prefill : decode }

    /// GPUs per worker of each planned component: the DGD's count, else the flag
    /// (`--prefill-engine-num-gpu`, `--decode-engine-num-gpu`); one error naming
    /// every component that has neither. Unplanned components keep their flag (or 1).
    public func resolved(prefillFlag: Int?, decodeFlag: Int?, planned: [ComponentType]) throws
        -> (prefill: Int, decode: Int, origin: String) {
        var counts: [ComponentType: Int] = [:]
        var origin: [String] = []
        var missing: [String] = []
        for c in ComponentType.allCases {
            let flag = c == .prefill ? prefillFlag : decodeFlag
            let entry = self[c]
            if let n = entry.count {
                // A count the replica maths cannot use (0 GPUs, or more than any node has) is refused naming its field.
                guard PlannerLimits.gpusPerEngine.range.contains(n) else {
                    throw KubernetesError.deployment("\(entry.source) must be \(PlannerLimits.gpusPerEngine.expected), got \(n)")
                }
                counts[c] = n
                origin.append("\(c.rawValue) \(n) from \(entry.source)")
            } else if let flag {
                counts[c] = flag
                if planned.contains(c) { origin.append("\(c.rawValue) \(flag) from --\(c.rawValue)-engine-num-gpu (DGD: \(entry.source))") }
            } else if planned.contains(c) {
                missing.append("\(c.rawValue): \(entry.source), and --\(c.rawValue)-engine-num-gpu is not given")
            }
        }
        if !missing.isEmpty {
            throw KubernetesError.configuration("cannot tell how many GPUs a worker uses (\(missing.joined(separator: "; "))): set resources.limits.gpu (or a DRA resource claim) in the DynamoGraphDeployment, or give the flag")
        }
        return (counts[.prefill] ?? 1, counts[.decode] ?? 1, origin.joined(separator: "; "))
    }
}

extension KubernetesConnector {
    /// GPUs per worker of each planned component: `resources.limits.gpu`, else
    /// `resources.requests.gpu` (Dynamo's order), else the device count of the
    /// DRA claims the worker's main container uses (ResourceClaimTemplate or
    /// ResourceClaim in `resource.k8s.io`, GPU device classes only).
    public func gpusPerWorker() async throws -> DeploymentGPUs {
        let dgd = try await deployment()
        var entries: [ComponentType: DeploymentGPUs.Entry] = [:]
        for c in ComponentType.allCases {
            guard requiredComponents.contains(c) else {
                entries[c] = DeploymentGPUs.Entry(count: nil, source: "not planned")
                continue
            }
            let name = try service(c, in: dgd)
            if let found = try dgd.gpuResource(service: name) {
                entries[c] = DeploymentGPUs.Entry(count: found.count, source: found.field)
                continue
            }
            let claims = dgd.resourceClaims(service: name)
            guard !claims.isEmpty else {
                entries[c] = DeploymentGPUs.Entry(count: nil, source: "service \(name) sets no resources.limits.gpu, resources.requests.gpu or resource claim")
                continue
            }
            do {
                var total = 0
                var from: [String] = []
                for claim in claims {
                    let (n, resource) = try await draDeviceCount(claim)
                    total += n
                    from.append("\(n) from \(resource)")
                }
                entries[c] = total > 0
                    ? DeploymentGPUs.Entry(count: total, source: "DRA claims of \(name): " + from.joined(separator: ", "))
                    : DeploymentGPUs.Entry(count: nil, source: "the DRA claims of \(name) request no GPU devices")
            } catch {
                logger.warning("cannot count the DRA devices of \(name): \(error)")
                entries[c] = DeploymentGPUs.Entry(count: nil, source: "the DRA claims of \(name) cannot be counted (\(error))")
            }
        }
        let absent = DeploymentGPUs.Entry(count: nil, source: "not read")
        return DeploymentGPUs(prefill: entries[.prefill] ?? absent, decode: entries[.decode] ?? absent)
    }

    /// GPU devices one claim requests, and the object read. The stable `v1` API
    /// first, then the beta versions older clusters serve.
    private func draDeviceCount(_ claim: ResourceClaimReference) async throws -> (Int, String) {
        let (plural, objectName) = claim.template.map { ("resourceclaimtemplates", $0) } ?? ("resourceclaims", claim.claim ?? "")
        var lastError: Error?
        for version in ["v1", "v1beta2", "v1beta1"] {
            let resource = "\(plural)/\(objectName)"
            do {
                let object = try await api.get("/apis/resource.k8s.io/\(version)/namespaces/\(namespace)/\(resource)")
                let spec = object["spec"] as? [String: Any]
                // A template wraps the claim's spec in spec.spec.
                let claimSpec = claim.template != nil ? spec?["spec"] as? [String: Any] : spec
                let prefix = claim.template != nil ? "spec.spec.devices.requests" : "spec.devices.requests"
                let requests = (claimSpec?["devices"] as? [String: Any])?["requests"] as? [[String: Any]] ?? []
                return (try Self.gpuDevices(requests, field: prefix, resource: resource), resource)
            } catch let e as KubernetesError where e.httpStatus == 404 {
                lastError = e
            }
        }
        throw lastError ?? KubernetesError.deployment("no \(plural) \(objectName)")
    }

    /// Sum of `count` over requests of a GPU device class (`exactly` in v1, flat in v1beta1);
    /// ExactCount without a count is 1. `All` and `firstAvailable` have no fixed count: refused.
    static func gpuDevices(_ requests: [[String: Any]], field: String, resource: String) throws -> Int {
        var total = 0
        for (i, request) in requests.enumerated() {
            let path = "\(field)[\(i)]"
            if request["firstAvailable"] != nil {
                throw KubernetesError.malformed(resource: resource, detail: "\(path).firstAvailable lists alternatives: the device count is not fixed")
            }
            let exact = request["exactly"] as? [String: Any] ?? request
            let deviceClass = exact["deviceClassName"] as? String ?? ""
            guard deviceClass.lowercased().contains("gpu") else { continue }
            let mode = exact["allocationMode"] as? String ?? "ExactCount"
            guard mode == "ExactCount" else {
                throw KubernetesError.malformed(resource: resource, detail: "\(path) uses allocationMode \(mode): the device count is not fixed")
            }
            let countField = request["exactly"] != nil ? "\(path).exactly.count" : "\(path).count"
            let n = try KubernetesNumber.count(exact["count"], field: countField, in: resource) ?? 1
            total = total.addingReportingOverflow(n).overflow ? Int.max : total + n
        }
        return total
    }
}
