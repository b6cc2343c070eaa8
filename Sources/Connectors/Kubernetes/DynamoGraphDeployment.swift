import Foundation
import PlannerCore

/// Read-only view of a DynamoGraphDeployment object (docs/behaviour.md §8.2), decoded
/// from the API's JSON without insisting on fields the planner does not use.
/// Numbers are read through `KubernetesNumber`: junk is an error naming the field.
public struct DynamoGraphDeployment {
    public let name: String
    public let object: [String: Any]

    public init(name: String, object: [String: Any]) {
        self.name = name
        self.object = object
    }

    var resource: String { "dynamographdeployments/\(name)" }

    public var services: [String: [String: Any]] {
        ((object["spec"] as? [String: Any])?["services"] as? [String: Any] ?? [:]).compactMapValues { $0 as? [String: Any] }
    }

    private var status: [String: Any]? { object["status"] as? [String: Any] }

    private var readyCondition: [String: Any]? {
        (status?["conditions"] as? [[String: Any]] ?? []).first { $0["type"] as? String == "Ready" }
    }

    /// The Ready condition is "True".
    public var isReady: Bool { readyCondition?["status"] as? String == "True" }

    /// "Ready=False (ServicesNotReady: waiting for …)", for log lines.
    public var readinessSummary: String {
        guard let c = readyCondition else { return "no Ready condition" }
        let reason = [c["reason"] as? String, c["message"] as? String].compactMap { $0 }.filter { !$0.isEmpty }
        return "Ready=\(c["status"] as? String ?? "?")" + (reason.isEmpty ? "" : " (\(reason.joined(separator: ": ")))")
    }

    /// When the Ready condition last changed, as the API wrote it (compared, never parsed).
    public var readyTransitionTime: String? { readyCondition?["lastTransitionTime"] as? String }

    /// `metadata.generation` (bumped by the API server on every spec change).
    public func generation() throws -> Int? {
        try KubernetesNumber.count((object["metadata"] as? [String: Any])?["generation"], field: "metadata.generation",
                                   in: resource, maximum: .max)
    }

    /// `status.observedGeneration`: the generation the operator has acted on (nil where the CRD has none).
    public func observedGeneration() throws -> Int? {
        try KubernetesNumber.count(status?["observedGeneration"], field: "status.observedGeneration", in: resource, maximum: .max)
    }

    /// Well-known service names of each backend, used when no service declares a subComponentType.
    public static func defaultServiceName(backend: String, component: ComponentType) -> String? {
        switch (backend.lowercased(), component) {
        case ("vllm", .prefill): return "VllmPrefillWorker"
        case ("vllm", .decode): return "VllmDecodeWorker"
        case ("sglang", .prefill), ("mocker", .prefill): return "prefill"
        case ("sglang", .decode), ("mocker", .decode): return "decode"
        case ("trtllm", .prefill): return "TRTLLMPrefillWorker"
        case ("trtllm", .decode): return "TRTLLMDecodeWorker"
        default: return nil
        }
    }

    /// A service's subComponentType; an empty string counts as none (as in Dynamo).
    private func subComponentType(_ spec: [String: Any]) -> String? {
        guard let s = spec["subComponentType"] as? String, !s.isEmpty else { return nil }
        return s
    }

    /// The service of `component`: the one whose subComponentType is exactly
    /// `prefill`/`decode` (case matters, as in Dynamo); two such services are an
    /// error; none falls back to the backend's well-known name when that service
    /// declares no (or an empty) subComponentType. Nil when absent.
    public func serviceName(for component: ComponentType, backend: String) throws -> String? {
        let matches = services.filter { subComponentType($0.value) == component.rawValue }.map(\.key).sorted()
        if matches.count > 1 {
            throw KubernetesError.deployment("\(name) has \(matches.count) services with subComponentType \(component.rawValue): \(matches.joined(separator: ", "))")
        }
        if let only = matches.first { return only }
        if let fallback = Self.defaultServiceName(backend: backend, component: component),
           let spec = services[fallback], subComponentType(spec) == nil {
            return fallback
        }
        return nil
    }

    /// `spec.services.{name}.replicas`; absent is 0, as Dynamo reads it.
    public func desiredReplicas(service: String) throws -> Int {
        try KubernetesNumber.count(services[service]?["replicas"], field: "spec.services.\(service).replicas", in: resource) ?? 0
    }

    /// Replicas serving traffic: `status.services.{name}.availableReplicas`, else
    /// `readyReplicas`, else 0 (Dynamo's count for the correction factors).
    public func servingReplicas(service: String) throws -> Int {
        let s = serviceStatus(service)
        let field = "status.services.\(service)."
        return try KubernetesNumber.count(s?["availableReplicas"], field: field + "availableReplicas", in: resource)
            ?? KubernetesNumber.count(s?["readyReplicas"], field: field + "readyReplicas", in: resource) ?? 0
    }

    /// Whether the operator reports this service at all (older operators may not).
    public func hasServiceStatus(_ service: String) -> Bool { serviceStatus(service) != nil }

    /// No rollout in progress: spec replicas == updated == serving.
    public func isStable(service: String) throws -> Bool {
        let updated = try KubernetesNumber.count(serviceStatus(service)?["updatedReplicas"],
                                                 field: "status.services.\(service).updatedReplicas", in: resource) ?? 0
        let desired = try desiredReplicas(service: service)
        let serving = try servingReplicas(service: service)
        return desired == updated && updated == serving
    }

    /// GPUs per worker from `resources.limits.gpu`, else `resources.requests.gpu` (nil: neither).
    public func gpuResource(service: String) throws -> (count: Int, field: String)? {
        let resources = services[service]?["resources"] as? [String: Any]
        for kind in ["limits", "requests"] {
            let field = "spec.services.\(service).resources.\(kind).gpu"
            if let n = try KubernetesNumber.count((resources?[kind] as? [String: Any])?["gpu"], field: field, in: resource) {
                return (n, field)
            }
        }
        return nil
    }

    /// DRA claims of the service's pod (`extraPodSpec.resourceClaims`) that its
    /// main container uses (all of them when the container names none).
    public func resourceClaims(service: String) -> [ResourceClaimReference] {
        let pod = services[service]?["extraPodSpec"] as? [String: Any]
        let used = Set((((pod?["mainContainer"] as? [String: Any])?["resources"] as? [String: Any])?["claims"] as? [[String: Any]] ?? [])
            .compactMap { $0["name"] as? String })
        return (pod?["resourceClaims"] as? [[String: Any]] ?? []).compactMap { claim in
            guard let name = claim["name"] as? String, used.isEmpty || used.contains(name) else { return nil }
            if let t = claim["resourceClaimTemplateName"] as? String { return ResourceClaimReference(name: name, template: t) }
            if let c = claim["resourceClaimName"] as? String { return ResourceClaimReference(name: name, claim: c) }
            return nil
        }
    }

    /// The served model name from the service's container args.
    public func modelName(service: String) -> String? {
        let spec = services[service]
        let container = (spec?["extraPodSpec"] as? [String: Any])?["mainContainer"] as? [String: Any]
        let args = (container?["args"] as? [Any] ?? []).compactMap { $0 as? String }
        // Args are often one shell string ("python -m dynamo.vllm --model X"): split on spaces too.
        let tokens = args.flatMap { $0.split(whereSeparator: { $0 == " " || $0 == "\n" || $0 == "\t" }).map(String.init) }
        for flag in ["--served-model-name", "--model-name", "--model"] {
            for (i, t) in tokens.enumerated() {
                if t == flag, i + 1 < tokens.count { return unquote(tokens[i + 1]) }
                if t.hasPrefix(flag + "=") { return unquote(String(t.dropFirst(flag.count + 1))) }
            }
        }
        return nil
    }

    private func unquote(_ s: String) -> String {
        s.trimmingCharacters(in: CharacterSet(charactersIn: "\"'"))
    }

    private func serviceStatus(_ service: String) -> [String: Any]? {
        (status?["services"] as? [String: Any])?[service] as? [String: Any]
    }
}

/// A pod's DRA claim: from a ResourceClaimTemplate (one claim per pod) or a shared ResourceClaim.
public struct ResourceClaimReference: Equatable, Sendable {
    public var name: String
    public var template: String?
    public var claim: String?

    public init(name: String, template: String? = nil, claim: String? = nil) {
        self.name = name
        self.template = template
        self.claim = claim
    }
}
