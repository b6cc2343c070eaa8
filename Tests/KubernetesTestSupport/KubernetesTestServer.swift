import Connectors
import Foundation
import HTTPTestSupport
import NIOSSL

/// Stands in for the Kubernetes API server (the one part of the outside world
/// tests cannot run for real here), strict where a real cluster is:
/// - the DynamoGraphDeployment and scaling-adapter paths, `application/json`
///   answers, `Status` objects for failures;
/// - PATCH is a real JSON merge patch (RFC 7386, `null` deletes; 415 for any
///   other content type, 409 on a stale `metadata.resourceVersion`, 422 for
///   replicas that are not non-negative integers);
/// - a spec change bumps `metadata.generation`, and a delayed operator
///   (`OperatorTiming`) moves the status after it: observedGeneration, Ready
///   False then True, replicas one by one, availableReplicas trailing ready;
/// - optional stale reads (the object as it was before the last write);
/// - injectable 401/403/409/422/500, random 500s, token rotation.
public final class KubernetesTestServer: @unchecked Sendable {
    public struct Recorded: Equatable, Sendable {
        public var method: String
        public var path: String
        public var contentType: String?
        public var authorization: String?
        public var body: String
        public var status: Int
    }

    /// A forced answer for requests matching (method, path suffix).
    public struct Failure {
        public var method: String
        public var suffix: String
        public var status: Int

        public init(_ method: String, _ suffix: String, _ status: Int) {
            self.method = method
            self.suffix = suffix
            self.status = status
        }
    }

    public let lock = NSLock()
    public let namespace: String
    public let name: String
    /// Services that have a DynamoGraphDeploymentScalingAdapter.
    public var adapters: Set<String>
    /// PATCH on a `/scale` subresource answers 403, as RBAC without `…/scale` does.
    public var forbidScaleSubresource = false
    /// The next this many GETs of the DGD return the object as it was before the last write.
    public var staleReads = 0
    /// Probability of a stale read of the DGD, and of a 500 on any request (soak).
    public var staleReadProbability = 0.0
    public var serverErrorProbability = 0.0
    /// Forced answers, each used once, first match wins.
    public var failures: [Failure] = []
    /// Bearer tokens the server accepts (rotation: add the new one, drop the old one).
    public var acceptedTokens: Set<String> = [KubernetesTestServer.initialToken]
    /// When set, a GET of the DGD answers this text verbatim (numbers JSONSerialization cannot write).
    public var rawDeploymentBody: String?
    /// `resource.k8s.io/v1` objects by name.
    public var resourceClaimTemplates: [String: [String: Any]] = [:]
    public var resourceClaims: [String: [String: Any]] = [:]
    /// Every request, in arrival order, with the status it got.
    public private(set) var requests: [Recorded] = []
    /// Every accepted change of a service's spec replicas, in order.
    public private(set) var appliedChanges: [(service: String, replicas: Int)] = []

    public static let initialToken = "test-token"
    public var token: String { lock.withLock { acceptedTokens.sorted().first ?? "" } }

    private var document: [String: Any]
    private var generation = 1
    private var resourceVersion = 1
    private var previous: [String: Any]?
    private var op: DelayedOperator
    private var random: SplitMix64
    private let origin = ProcessInfo.processInfo.systemUptime
    private var server: LoopbackHTTPServer?

    public init(namespace: String = "prod", name: String = "llama", services: [String: [String: Any]],
                adapters: Set<String> = [], timing: OperatorTiming = .instant, seed: UInt64 = 1) {
        self.namespace = namespace
        self.name = name
        self.adapters = adapters
        self.document = ["metadata": ["name": name, "namespace": namespace, "uid": UUID().uuidString] as [String: Any],
                         "spec": ["services": services] as [String: Any]]
        self.op = DelayedOperator(timing: timing)
        self.random = SplitMix64(seed: seed)
        op.settle(spec: specReplicas(), generation: generation)
    }

    public func start(tls: NIOSSLContext? = nil) async throws -> String {
        let s = try await LoopbackHTTPServer.start(tls: tls) { [self] in handle($0) }
        server = s
        return s.baseURL
    }

    public func stop() async { await server?.stop() }

    public var base: String { "/apis/nvidia.com/v1alpha1/namespaces/\(namespace)" }
    public var deploymentPath: String { "\(base)/dynamographdeployments/\(name)" }

    public static func service(_ sub: String?, replicas: Int?, gpus: Int? = nil, args: [String] = []) -> [String: Any] {
        var s: [String: Any] = ["componentType": "worker", "extraPodSpec": ["mainContainer": ["args": args]]]
        if let replicas { s["replicas"] = replicas }
        if let sub { s["subComponentType"] = sub }
        if let gpus { s["resources"] = ["limits": ["gpu": "\(gpus)"]] }
        return s
    }

    /// The vLLM DGD most tests start from: a frontend, prefill ×2 with 2 GPUs, decode ×3 with 4 GPUs.
    public static func vllmServices(args: [String]) -> [String: [String: Any]] {
        ["Frontend": service(nil, replicas: 1),
         "VllmPrefillWorker": service("prefill", replicas: 2, gpus: 2, args: args),
         "VllmDecodeWorker": service("decode", replicas: 3, gpus: 4, args: args)]
    }

    /// Writes DIR/token and a kubeconfig DIR/config whose current context reaches `url` in
    /// `namespace` with that token file; returns the kubeconfig's path (for KUBECONFIG).
    public static func writeKubeconfig(server url: String, namespace: String, in dir: URL) throws -> String {
        try initialToken.write(to: dir.appendingPathComponent("token"), atomically: true, encoding: .utf8)
        try """
        apiVersion: v1
        kind: Config
        current-context: test
        contexts: [{name: test, context: {cluster: test, user: planner, namespace: \(namespace)}}]
        clusters: [{name: test, cluster: {server: "\(url)"}}]
        users: [{name: planner, user: {tokenFile: token}}]
        """.write(to: dir.appendingPathComponent("config"), atomically: true, encoding: .utf8)
        return dir.appendingPathComponent("config").path
    }

    // MARK: state seen by tests

    /// `spec.services`. Setting it stands for an edit long ago: the status is settled to match.
    public var services: [String: [String: Any]] {
        get { lock.withLock { specServices() } }
        set {
            lock.withLock {
                var spec = document["spec"] as? [String: Any] ?? [:]
                spec["services"] = newValue
                document["spec"] = spec
                generation += 1
                resourceVersion += 1
                op.settle(spec: specReplicas(), generation: generation)
            }
        }
    }

    public var timing: OperatorTiming {
        get { lock.withLock { op.timing } }
        set { lock.withLock { op.timing = newValue } }
    }

    /// Pods of `service` above this count stay unschedulable (never ready).
    public func setMaxSchedulable(_ service: String, _ n: Int?) {
        lock.withLock {
            op.maxSchedulable[service] = n
            op.settle(spec: specReplicas(), generation: generation)
        }
    }

    public func replicas(_ service: String) -> Int? {
        lock.withLock { specServices()[service]?["replicas"] as? Int }
    }

    public func status(_ service: String) -> ServiceReplicaStatus? {
        lock.withLock {
            advance()
            return op.status[service]
        }
    }

    public var isReady: Bool { lock.withLock { advance(); return op.ready } }
    public var readyTransitions: Int { lock.withLock { advance(); return op.readyTransitions } }
    public var currentGeneration: Int { lock.withLock { generation } }

    public func recorded() -> [Recorded] { lock.withLock { requests } }
    public func patches() -> [Recorded] { lock.withLock { requests.filter { $0.method == "PATCH" } } }

    /// Rotation as the kubelet does it: the new token is accepted; the old one
    /// stays valid (`keepOld`) or has expired (401 from now on).
    public func rotateToken(to newToken: String, keepOld: Bool) {
        lock.withLock {
            if !keepOld { acceptedTokens.removeAll() }
            acceptedTokens.insert(newToken)
        }
    }

    // MARK: serving

    private func now() -> Double { ProcessInfo.processInfo.systemUptime - origin }

    private func specServices() -> [String: [String: Any]] {
        ((document["spec"] as? [String: Any])?["services"] as? [String: Any] ?? [:]).compactMapValues { $0 as? [String: Any] }
    }

    /// What the operator runs: a missing `replicas` means 1 (the CRD default), junk 0.
    private func specReplicas() -> [String: Int] {
        specServices().mapValues { s in s["replicas"] == nil ? 1 : (s["replicas"] as? Int ?? 0) }
    }

    private func advance() {
        op.advance(to: now(), spec: specReplicas(), generation: generation)
    }

    private func rendered() -> [String: Any] {
        var metadata = document["metadata"] as? [String: Any] ?? [:]
        metadata["generation"] = generation
        metadata["resourceVersion"] = String(resourceVersion)
        var statusServices: [String: Any] = [:]
        for (n, s) in op.status {
            statusServices[n] = ["replicas": s.replicas, "updatedReplicas": s.updated,
                                 "readyReplicas": s.ready, "availableReplicas": s.available]
        }
        let stamp = ISO8601DateFormatter().string(from: op.lastTransition)
        var status: [String: Any] = [
            "state": op.ready ? "successful" : "pending",
            "conditions": [["type": "Ready", "status": op.ready ? "True" : "False",
                            "reason": op.ready ? "AllServicesReady" : "ServicesNotReady",
                            "message": op.ready ? "all services are ready" : "waiting for replicas to become ready",
                            "lastTransitionTime": stamp]],
            "services": statusServices,
        ]
        if op.timing.reportsObservedGeneration { status["observedGeneration"] = op.observedGeneration }
        return ["apiVersion": "nvidia.com/v1alpha1", "kind": "DynamoGraphDeployment",
                "metadata": metadata, "spec": document["spec"] ?? [String: Any](), "status": status]
    }

    /// The DGD as a LIST answer carries it.
    func listItem() -> [String: Any] { lock.withLock { advance(); return rendered() } }

    /// Answers one request (also for `KubernetesFleetTestServer`, which routes requests here by DGD name).
    func handle(_ r: HTTPServerRequest) -> HTTPServerResponse {
        lock.withLock {
            advance()
            let response = answer(r)
            requests.append(Recorded(method: r.method, path: r.path, contentType: r.header("Content-Type"),
                                     authorization: r.header("Authorization"), body: r.body, status: response.status))
            return response
        }
    }

    private func answer(_ r: HTTPServerRequest) -> HTTPServerResponse {
        let auth = r.header("Authorization") ?? ""
        guard auth.hasPrefix("Bearer "), acceptedTokens.contains(String(auth.dropFirst("Bearer ".count))) else {
            return status(401, "Unauthorized", "Unauthorized")
        }
        if let i = failures.firstIndex(where: { $0.method == r.method && r.path.hasSuffix($0.suffix) }) {
            let f = failures.remove(at: i)
            return status(f.status, Self.reasons[f.status] ?? "Failure", "injected \(Self.reasons[f.status] ?? "failure") for \(r.path)")
        }
        if serverErrorProbability > 0, random.unit() < serverErrorProbability {
            return status(500, "InternalError", "Internal error occurred: random failure of \(r.method) \(r.path)")
        }
        if r.method == "PATCH", r.header("Content-Type") != "application/merge-patch+json" {
            return status(415, "UnsupportedMediaType", "the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml")
        }
        let adapterPrefix = "\(base)/dynamographdeploymentscalingadapters/"
        let claimPrefix = "/apis/resource.k8s.io/v1/namespaces/\(namespace)/"
        switch (r.method, r.path) {
        case ("GET", deploymentPath):
            if let rawDeploymentBody { return HTTPServerResponse(status: 200, contentType: "application/json", body: rawDeploymentBody) }
            if let previous, staleReads > 0 || (staleReadProbability > 0 && random.unit() < staleReadProbability) {
                staleReads = max(0, staleReads - 1)
                return json(previous)
            }
            return json(rendered())
        case ("PATCH", deploymentPath):
            return patchDeployment(r.body)
        case (_, _) where r.path.hasPrefix(adapterPrefix) && r.path.hasSuffix("/scale"):
            return scale(r, adapter: String(r.path.dropFirst(adapterPrefix.count).dropLast("/scale".count)))
        case ("GET", _) where r.path.hasPrefix(claimPrefix + "resourceclaimtemplates/"):
            return resourceClaimTemplates[String(r.path.dropFirst((claimPrefix + "resourceclaimtemplates/").count))].map { json($0) }
                ?? status(404, "NotFound", "resourceclaimtemplates.resource.k8s.io not found")
        case ("GET", _) where r.path.hasPrefix(claimPrefix + "resourceclaims/"):
            return resourceClaims[String(r.path.dropFirst((claimPrefix + "resourceclaims/").count))].map { json($0) }
                ?? status(404, "NotFound", "resourceclaims.resource.k8s.io not found")
        case (_, _) where r.path.hasPrefix("\(base)/dynamographdeployments/"):
            return status(404, "NotFound", "dynamographdeployments.nvidia.com \"\(r.path.split(separator: "/").last ?? "")\" not found")
        default:
            return status(404, "NotFound", "the server could not find the requested resource")
        }
    }

    private func patchDeployment(_ body: String) -> HTTPServerResponse {
        guard let patch = parse(body) else { return status(400, "BadRequest", "the request body is not a JSON object") }
        if let wanted = (patch["metadata"] as? [String: Any])?["resourceVersion"] as? String, wanted != String(resourceVersion) {
            return status(409, "Conflict", "Operation cannot be fulfilled on dynamographdeployments.nvidia.com \"\(name)\": the object has been modified; please apply your changes to the latest version and try again")
        }
        // The status subresource is not written through the main resource; metadata.name is immutable.
        var accepted = patch
        accepted["status"] = nil
        accepted["apiVersion"] = nil
        accepted["kind"] = nil
        if var m = accepted["metadata"] as? [String: Any] {
            for key in ["name", "namespace", "uid", "generation", "resourceVersion"] { m[key] = nil }
            accepted["metadata"] = m
        }
        guard let merged = JSONMergePatch.apply(accepted, to: document) as? [String: Any] else {
            return status(422, "Invalid", "the patched object is not an object")
        }
        return commit(merged)
    }

    /// Validates like the CRD schema would, then stores; a spec change bumps the generation.
    private func commit(_ merged: [String: Any]) -> HTTPServerResponse {
        let newServices = ((merged["spec"] as? [String: Any])?["services"] as? [String: Any]) ?? [:]
        let oldServices = specServices()
        guard Set(newServices.keys) == Set(oldServices.keys) else {
            return status(422, "Invalid", "DynamoGraphDeployment.nvidia.com \"\(name)\" is invalid: spec.services: services cannot be added or removed by the planner")
        }
        for (n, value) in newServices {
            guard let fields = value as? [String: Any] else {
                return status(422, "Invalid", "spec.services.\(n): Invalid value: must be an object")
            }
            if let v = fields["replicas"], !Self.isBoolean(v), let i = v as? Int, i >= 0, i <= Int(Int32.max) { continue }
            if fields["replicas"] == nil { continue }
            return status(422, "Invalid", "DynamoGraphDeployment.nvidia.com \"\(name)\" is invalid: spec.services.\(n).replicas: Invalid value: \(fields["replicas"] ?? "null"): must be a non-negative int32")
        }
        let before = rendered()
        let specChanged = JSONMergePatch.canonical(merged["spec"]) != JSONMergePatch.canonical(document["spec"])
        let documentChanged = JSONMergePatch.canonical(merged) != JSONMergePatch.canonical(document)
        if documentChanged {
            previous = before
            let oldReplicas = specReplicas()
            document = merged
            resourceVersion += 1
            if specChanged {
                generation += 1
                op.specChanged(at: now())
                for (n, r) in specReplicas().sorted(by: { $0.key < $1.key }) where oldReplicas[n] != r {
                    appliedChanges.append((n, r))
                }
            }
        }
        return json(rendered())
    }

    private func scale(_ r: HTTPServerRequest, adapter: String) -> HTTPServerResponse {
        guard let svc = specServices().keys.first(where: { "\(name)-\($0.lowercased())" == adapter }), adapters.contains(svc) else {
            return status(404, "NotFound", "dynamographdeploymentscalingadapters.nvidia.com \"\(adapter)\" not found")
        }
        if forbidScaleSubresource {
            return status(403, "Forbidden", "dynamographdeploymentscalingadapters.nvidia.com \"\(adapter)\" is forbidden: User \"system:serviceaccount:\(namespace):planner\" cannot \(r.method.lowercased()) resource \"dynamographdeploymentscalingadapters/scale\" in API group \"nvidia.com\" in the namespace \"\(namespace)\"")
        }
        let current = specReplicas()[svc] ?? 0
        let scaleObject: () -> [String: Any] = { [self] in
            ["kind": "Scale", "apiVersion": "autoscaling/v1",
             "metadata": ["name": adapter, "namespace": namespace],
             "spec": ["replicas": specReplicas()[svc] ?? 0],
             "status": ["replicas": op.status[svc]?.ready ?? 0]]
        }
        if r.method == "GET" { return json(scaleObject()) }
        guard r.method == "PATCH" else { return status(405, "MethodNotAllowed", "the server does not allow this method") }
        guard let patch = parse(r.body) else { return status(400, "BadRequest", "the request body is not a JSON object") }
        let merged = JSONMergePatch.apply(patch, to: ["spec": ["replicas": current]]) as? [String: Any]
        let value = (merged?["spec"] as? [String: Any])?["replicas"]
        guard let v = value, !Self.isBoolean(v), let replicas = v as? Int, replicas >= 0, replicas <= Int(Int32.max) else {
            return status(422, "Invalid", "Scale.autoscaling \"\(adapter)\" is invalid: spec.replicas: Invalid value: \(value ?? "null"): must be greater than or equal to 0")
        }
        // The adapter's controller writes the count into the DGD.
        var services = specServices()
        services[svc]?["replicas"] = replicas
        var doc = document
        var spec = doc["spec"] as? [String: Any] ?? [:]
        spec["services"] = services
        doc["spec"] = spec
        let answer = commit(doc)
        guard answer.status == 200 else { return answer }
        return json(scaleObject())
    }

    /// JSON `true`/`false` (on Linux an NSNumber 1 also casts to Bool, so `is Bool` will not do).
    static func isBoolean(_ value: Any) -> Bool {
        (value as? NSNumber).map { String(cString: $0.objCType) == "c" } ?? false
    }

    static let reasons = [400: "BadRequest", 401: "Unauthorized", 403: "Forbidden", 404: "NotFound", 409: "Conflict",
                          422: "Invalid", 500: "InternalError", 503: "ServiceUnavailable"]

    private func status(_ code: Int, _ reason: String, _ message: String) -> HTTPServerResponse {
        Self.status(code, reason, message)
    }

    /// A `Status` object with `code`, as the API server answers failures.
    static func status(_ code: Int, _ reason: String, _ message: String) -> HTTPServerResponse {
        let body = try? JSONSerialization.data(withJSONObject: [
            "kind": "Status", "apiVersion": "v1", "metadata": [:] as [String: Any], "status": "Failure",
            "message": message, "reason": reason, "code": code,
        ] as [String: Any])
        return HTTPServerResponse(status: code, contentType: "application/json", body: String(decoding: body ?? Data(), as: UTF8.self))
    }

    private func json(_ object: [String: Any]) -> HTTPServerResponse { Self.json(object) }

    static func json(_ object: [String: Any]) -> HTTPServerResponse {
        let body = (try? JSONSerialization.data(withJSONObject: object)) ?? Data()
        return HTTPServerResponse(status: 200, contentType: "application/json", body: String(decoding: body, as: UTF8.self))
    }

    private func parse(_ body: String) -> [String: Any]? { Self.object(body) }

    /// A JSON object from text (nil when it is not one); tests write nested fixtures this way.
    public static func object(_ json: String) -> [String: Any]? {
        (try? JSONSerialization.jsonObject(with: Data(json.utf8))) as? [String: Any]
    }
}

/// A small seeded generator (SplitMix64), so a failing soak can be replayed.
public struct SplitMix64: Sendable {
    private var state: UInt64

    public init(seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    public mutating func unit() -> Double { Double(next() >> 11) / Double(1 << 53) }

    public mutating func int(_ range: ClosedRange<Int>) -> Int {
        range.lowerBound + Int(next() % UInt64(range.count))
    }
}
