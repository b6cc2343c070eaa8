import Connectors
import Foundation
import HTTPTestSupport

/// Several DynamoGraphDeployments in one Kubernetes namespace behind one API server:
/// each DGD is a `KubernetesTestServer` (same paths, status codes, operator), and the
/// LIST path `GET /apis/nvidia.com/v1alpha1/namespaces/NS/dynamographdeployments`
/// answers a `DynamoGraphDeploymentList` of those present. DGDs can be added and
/// deleted while a planner runs; LIST answers and whole DGDs can be made to fail.
public final class KubernetesFleetTestServer: @unchecked Sendable {
    /// A forced answer to the next LIST (each used once, in order).
    public enum ListAnswer {
        case status(Int)
        /// The body verbatim, with HTTP 200.
        case raw(String)
    }

    public let namespace: String
    private let lock = NSLock()
    private var deployments: [String: KubernetesTestServer] = [:]
    private var listAnswers: [ListAnswer] = []
    private var forbidden: Set<String> = []
    private var lists: [Int] = []
    private var server: LoopbackHTTPServer?

    public init(namespace: String = "prod") {
        self.namespace = namespace
    }

    public func start() async throws -> String {
        let s = try await LoopbackHTTPServer.start { [self] in handle($0) }
        server = s
        return s.baseURL
    }

    public func stop() async { await server?.stop() }

    public var listPath: String { KubernetesAPIClient.deploymentListPath(namespace: namespace) }

    /// Adds (or replaces) a DGD (made with this server's namespace).
    public func add(_ deployment: KubernetesTestServer) {
        lock.withLock { deployments[deployment.name] = deployment }
    }

    /// Deletes a DGD: from now on its paths answer 404 and LIST leaves it out.
    public func delete(_ name: String) { _ = lock.withLock { deployments.removeValue(forKey: name) } }

    public subscript(name: String) -> KubernetesTestServer? { lock.withLock { deployments[name] } }

    /// Every request for DGD `name` (and its scaling adapters) answers 403, as RBAC scoped to other names does.
    public func forbid(_ name: String, _ on: Bool = true) {
        lock.withLock { if on { forbidden.insert(name) } else { forbidden.remove(name) } }
    }

    public func enqueueList(_ answers: ListAnswer...) { lock.withLock { listAnswers += answers } }

    /// The status of every LIST served, in order.
    public var listStatuses: [Int] { lock.withLock { lists } }

    private func handle(_ r: HTTPServerRequest) -> HTTPServerResponse {
        let auth = r.header("Authorization") ?? ""
        guard auth == "Bearer \(KubernetesTestServer.initialToken)" else {
            return KubernetesTestServer.status(401, "Unauthorized", "Unauthorized")
        }
        if r.path == listPath {
            let answer = list(r)
            lock.withLock { lists.append(answer.status) }
            return answer
        }
        let dgdPrefix = "\(listPath)/"
        let adapterPrefix = "/apis/nvidia.com/v1alpha1/namespaces/\(namespace)/dynamographdeploymentscalingadapters/"
        let (target, name): (KubernetesTestServer?, String) = lock.withLock {
            if r.path.hasPrefix(dgdPrefix) {
                let name = String(r.path.dropFirst(dgdPrefix.count).split(separator: "/").first ?? "")
                return (deployments[name], name)
            }
            if r.path.hasPrefix(adapterPrefix) {
                // Adapter NAME-service: the longest DGD name that prefixes it.
                let adapter = r.path.dropFirst(adapterPrefix.count)
                let owner = deployments.keys.filter { adapter.hasPrefix("\($0)-") }.max { $0.count < $1.count }
                return (owner.flatMap { deployments[$0] }, owner ?? String(adapter))
            }
            return (nil, "")
        }
        if lock.withLock({ forbidden.contains(name) }) {
            return KubernetesTestServer.status(403, "Forbidden", "dynamographdeployments.nvidia.com \"\(name)\" is forbidden: User \"system:serviceaccount:\(namespace):planner\" cannot \(r.method.lowercased()) resource \"dynamographdeployments\" in API group \"nvidia.com\" in the namespace \"\(namespace)\"")
        }
        guard let target else {
            return KubernetesTestServer.status(404, "NotFound", name.isEmpty ? "the server could not find the requested resource"
                : "dynamographdeployments.nvidia.com \"\(name)\" not found")
        }
        return target.handle(r)
    }

    private func list(_ r: HTTPServerRequest) -> HTTPServerResponse {
        guard r.method == "GET" else { return KubernetesTestServer.status(405, "MethodNotAllowed", "the server does not allow this method") }
        let (forced, present) = lock.withLock { () -> (ListAnswer?, [KubernetesTestServer]) in
            (listAnswers.isEmpty ? nil : listAnswers.removeFirst(), deployments.keys.sorted().compactMap { deployments[$0] })
        }
        switch forced {
        case let .status(code)?:
            return KubernetesTestServer.status(code, KubernetesTestServer.reasons[code] ?? "Failure", "injected failure of the DGD list")
        case let .raw(body)?:
            return HTTPServerResponse(status: 200, contentType: "application/json", body: body)
        case nil:
            return KubernetesTestServer.json(["apiVersion": "nvidia.com/v1alpha1", "kind": "DynamoGraphDeploymentList",
                                              "metadata": ["resourceVersion": "1"], "items": present.map { $0.listItem() }])
        }
    }
}
