import Connectors
import Foundation
import HTTPTestSupport
import NIOSSL

/// Stands in for the Kubernetes API server (the one part of the outside world
/// tests cannot run for real here). It follows the real API: the
/// DynamoGraphDeployment and scaling-adapter paths, `application/json`
/// answers, `Status` objects for failures (404 NotFound, 409 Conflict,
/// 422 Invalid, 500), 415 for a PATCH that is not a merge patch, 401 for a
/// wrong token. After a scale, the DGD reports not Ready until it has been
/// read `readyAfterReads` more times, like a controller rolling out pods.
final class KubernetesTestServer: @unchecked Sendable {
    struct Recorded: Equatable {
        var method: String
        var path: String
        var contentType: String?
        var body: String
    }

    let lock = NSLock()
    let namespace: String
    let name: String
    var services: [String: [String: Any]]
    /// Services that have a DynamoGraphDeploymentScalingAdapter.
    var adapters: Set<String>
    var ready = true
    var readyAfterReads = 2
    private var readsUntilReady = 0
    var requests: [Recorded] = []
    /// Status code forced on the next request matching (method, path suffix).
    var failures: [(method: String, suffix: String, status: Int)] = []
    let token = "test-token"
    private var server: LoopbackHTTPServer?

    init(namespace: String = "prod", name: String = "llama", services: [String: [String: Any]], adapters: Set<String> = []) {
        self.namespace = namespace
        self.name = name
        self.services = services
        self.adapters = adapters
    }

    func start(tls: NIOSSLContext? = nil) async throws -> String {
        let s = try await LoopbackHTTPServer.start(tls: tls) { [self] in handle($0) }
        server = s
        return s.baseURL
    }

    func stop() async { await server?.stop() }

    var base: String { "/apis/nvidia.com/v1alpha1/namespaces/\(namespace)" }

    static func service(_ sub: String?, replicas: Int, gpus: Int? = nil, args: [String] = []) -> [String: Any] {
        var s: [String: Any] = ["replicas": replicas, "componentType": "worker",
                                "extraPodSpec": ["mainContainer": ["args": args]]]
        if let sub { s["subComponentType"] = sub }
        if let gpus { s["resources"] = ["limits": ["gpu": "\(gpus)"]] }
        return s
    }

    private func status(_ code: Int, _ reason: String, _ message: String) -> HTTPServerResponse {
        let body = try? JSONSerialization.data(withJSONObject: [
            "kind": "Status", "apiVersion": "v1", "metadata": [:] as [String: Any], "status": "Failure",
            "message": message, "reason": reason, "code": code,
        ] as [String: Any])
        return HTTPServerResponse(status: code, contentType: "application/json", body: String(decoding: body ?? Data(), as: UTF8.self))
    }

    private func json(_ object: Any) -> HTTPServerResponse {
        let body = (try? JSONSerialization.data(withJSONObject: object)) ?? Data()
        return HTTPServerResponse(status: 200, contentType: "application/json", body: String(decoding: body, as: UTF8.self))
    }

    private func dgdObject() -> [String: Any] {
        var statusServices: [String: Any] = [:]
        for (n, s) in services {
            let desired = s["replicas"] as? Int ?? 1
            statusServices[n] = ["replicas": desired, "updatedReplicas": desired, "readyReplicas": ready ? desired : max(0, desired - 1)]
        }
        return [
            "apiVersion": "nvidia.com/v1alpha1", "kind": "DynamoGraphDeployment",
            "metadata": ["name": name, "namespace": namespace],
            "spec": ["services": services],
            "status": ["state": ready ? "successful" : "pending",
                       "conditions": [["type": "Ready", "status": ready ? "True" : "False", "reason": "test"]],
                       "services": statusServices],
        ]
    }

    private func handle(_ r: HTTPServerRequest) -> HTTPServerResponse {
        lock.withLock {
            requests.append(Recorded(method: r.method, path: r.path, contentType: r.header("Content-Type"), body: r.body))
            if r.header("Authorization") != "Bearer \(token)" { return status(401, "Unauthorized", "Unauthorized") }
            if let i = failures.firstIndex(where: { $0.method == r.method && r.path.hasSuffix($0.suffix) }) {
                let f = failures.remove(at: i)
                let reason = [409: "Conflict", 422: "Invalid", 500: "InternalError"][f.status] ?? "Failure"
                return status(f.status, reason, "injected \(reason) for \(r.path)")
            }
            let dgdPath = "\(base)/dynamographdeployments/\(name)"
            let adapterPrefix = "\(base)/dynamographdeploymentscalingadapters/"
            if r.path.hasPrefix("\(base)/dynamographdeployments/"), r.path != dgdPath {
                return status(404, "NotFound", "dynamographdeployments.nvidia.com \"\(r.path.split(separator: "/").last ?? "")\" not found")
            }
            if r.method == "PATCH", r.header("Content-Type") != "application/merge-patch+json" {
                return status(415, "UnsupportedMediaType", "the body of the request was in an unknown format")
            }
            switch (r.method, r.path) {
            case ("GET", dgdPath):
                if !ready {
                    readsUntilReady -= 1
                    if readsUntilReady <= 0 { ready = true }
                }
                return json(dgdObject())
            case ("PATCH", dgdPath):
                guard let patch = parse(r.body), let spec = patch["spec"] as? [String: Any],
                      let svc = spec["services"] as? [String: [String: Any]] else {
                    return status(422, "Invalid", "invalid merge patch")
                }
                for (n, fields) in svc {
                    guard services[n] != nil else { return status(422, "Invalid", "spec.services.\(n): not found") }
                    guard let replicas = fields["replicas"] as? Int, replicas >= 0 else {
                        return status(422, "Invalid", "spec.services.\(n).replicas: must be a non-negative integer")
                    }
                    services[n]?["replicas"] = replicas
                }
                markScaling()
                return json(dgdObject())
            case ("PATCH", _) where r.path.hasPrefix(adapterPrefix) && r.path.hasSuffix("/scale"):
                let adapter = r.path.dropFirst(adapterPrefix.count).dropLast("/scale".count)
                guard let svc = services.keys.first(where: { "\(name)-\($0.lowercased())" == adapter }), adapters.contains(svc) else {
                    return status(404, "NotFound", "dynamographdeploymentscalingadapters.nvidia.com \"\(adapter)\" not found")
                }
                guard let replicas = (parse(r.body)?["spec"] as? [String: Any])?["replicas"] as? Int, replicas >= 0 else {
                    return status(422, "Invalid", "Scale.spec.replicas: must be a non-negative integer")
                }
                services[svc]?["replicas"] = replicas
                markScaling()
                return json(["kind": "Scale", "apiVersion": "autoscaling/v1",
                             "metadata": ["name": String(adapter), "namespace": namespace],
                             "spec": ["replicas": replicas], "status": ["replicas": replicas]])
            default:
                return status(404, "NotFound", "the server could not find the requested resource")
            }
        }
    }

    /// Not Ready until read `readyAfterReads` times.
    func setNotReady() {
        lock.withLock {
            ready = false
            readsUntilReady = readyAfterReads
        }
    }

    private func markScaling() {
        ready = readyAfterReads <= 0
        readsUntilReady = readyAfterReads
    }

    private func parse(_ body: String) -> [String: Any]? {
        (try? JSONSerialization.jsonObject(with: Data(body.utf8))) as? [String: Any]
    }

    func patches() -> [Recorded] { lock.withLock { requests.filter { $0.method == "PATCH" } } }
    func replicas(_ service: String) -> Int? { lock.withLock { services[service]?["replicas"] as? Int } }
}
