import Foundation
import PlannerCore

/// Read-only view of a DynamoGraphDeployment object (SPEC.md §8.2), decoded
/// from the API's JSON without insisting on fields the planner does not use.
public struct DynamoGraphDeployment {
    public let name: String
    public let object: [String: Any]

    public init(name: String, object: [String: Any]) {
        self.name = name
        self.object = object
    }

    public var services: [String: [String: Any]] {
        ((object["spec"] as? [String: Any])?["services"] as? [String: Any] ?? [:]).compactMapValues { $0 as? [String: Any] }
    }

    /// The Ready condition is "True".
    public var isReady: Bool {
        let conditions = (object["status"] as? [String: Any])?["conditions"] as? [[String: Any]] ?? []
        return conditions.contains { $0["type"] as? String == "Ready" && $0["status"] as? String == "True" }
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

    /// The service of `component`: the one whose subComponentType matches; two
    /// such services are an error; none falls back to the backend's well-known
    /// name when that service declares no subComponentType. Nil when absent.
    public func serviceName(for component: ComponentType, backend: String) throws -> String? {
        let matches = services.filter { ($0.value["subComponentType"] as? String)?.lowercased() == component.rawValue }
            .map(\.key).sorted()
        if matches.count > 1 {
            throw KubernetesError.deployment("\(name) has \(matches.count) services with subComponentType \(component.rawValue): \(matches.joined(separator: ", "))")
        }
        if let only = matches.first { return only }
        if let fallback = Self.defaultServiceName(backend: backend, component: component),
           let spec = services[fallback], spec["subComponentType"] == nil {
            return fallback
        }
        return nil
    }

    /// `spec.services.{name}.replicas` (a service without it runs one replica).
    public func desiredReplicas(service: String) -> Int {
        Self.int(services[service]?["replicas"]) ?? 1
    }

    /// Ready replicas from `status.services.{name}`: availableReplicas, else readyReplicas.
    public func readyReplicas(service: String) -> Int? {
        guard let s = serviceStatus(service) else { return nil }
        return Self.int(s["availableReplicas"]) ?? Self.int(s["readyReplicas"])
    }

    /// Desired == updated == ready (services without a status entry count as stable).
    public func isStable(service: String) -> Bool {
        guard let s = serviceStatus(service) else { return true }
        let desired = Self.int(s["replicas"]) ?? desiredReplicas(service: service)
        let updated = Self.int(s["updatedReplicas"]) ?? desired
        return desired == updated && updated == (readyReplicas(service: service) ?? desired)
    }

    /// GPUs per worker of a service: `resources.limits.gpu`, else `resources.requests.gpu`;
    /// nil when neither is declared. A declared value outside `PlannerLimits.gpusPerEngine`
    /// (or not an integer) is an error naming the field.
    public func gpusPerWorker(service: String) throws -> Int? {
        let resources = services[service]?["resources"] as? [String: Any]
        for kind in ["limits", "requests"] {
            guard let raw = (resources?[kind] as? [String: Any])?["gpu"] else { continue }
            let field = "\(name) spec.services.\(service).resources.\(kind).gpu"
            guard let gpus = Self.int(raw) else {
                throw KubernetesError.deployment("\(field) must be \(PlannerLimits.gpusPerEngine.expected), got `\(raw)`")
            }
            do { return try PlannerLimits.gpusPerEngine.check(gpus, name: field) } catch let e as NumberOutOfRange {
                throw KubernetesError.deployment(e.description)
            }
        }
        return nil
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
        ((object["status"] as? [String: Any])?["services"] as? [String: Any])?[service] as? [String: Any]
    }

    /// An integer field; nil for anything that is not an exact integer within Int
    /// (a JSON number of 2^63 or more, a fraction, text).
    static func int(_ v: Any?) -> Int? { CheckedNumber.exactInt(v) }
}
