import Foundation
import Yams

/// Where the Kubernetes API is and how to authenticate: the pod's service
/// account (in-cluster) or a kubeconfig file's current context.
public struct KubernetesAPIConfiguration: Equatable, Sendable {
    /// Base URL, e.g. `https://10.0.0.1:443`.
    public var server: String
    public var bearerToken: String?
    /// PEM bundle of the cluster CA (nil: the system trust store).
    public var certificateAuthorityPEM: [UInt8]?
    /// Client certificate and key (PEM), for kubeconfig users that use them.
    public var clientCertificatePEM: [UInt8]?
    public var clientKeyPEM: [UInt8]?
    public var insecureSkipTLSVerify = false
    /// File the bearer token came from; the client re-reads it as tokens rotate.
    public var tokenFile: String?
    /// Namespace of the service account / kubeconfig context (default `default`).
    public var namespace: String
    /// Where `namespace` came from, for the start-up log line.
    public var namespaceSource = "given"

    public init(server: String, bearerToken: String? = nil, certificateAuthorityPEM: [UInt8]? = nil, namespace: String = "default") {
        self.server = server
        self.bearerToken = bearerToken
        self.certificateAuthorityPEM = certificateAuthorityPEM
        self.namespace = namespace
    }

    public static let serviceAccountDirectory = "/var/run/secrets/kubernetes.io/serviceaccount"

    /// In-cluster configuration from `KUBERNETES_SERVICE_HOST`/`_PORT` and the
    /// service-account token, CA and namespace files under `directory`. The port
    /// and a non-empty CA are required (no silent 443, no system trust store).
    public static func inCluster(environment: [String: String] = ProcessInfo.processInfo.environment,
                                 directory: String = serviceAccountDirectory) throws -> KubernetesAPIConfiguration {
        guard let host = environment["KUBERNETES_SERVICE_HOST"], !host.isEmpty else {
            throw KubernetesError.configuration("KUBERNETES_SERVICE_HOST is not set: not running in a pod (give a kubeconfig with KUBECONFIG)")
        }
        guard let port = environment["KUBERNETES_SERVICE_PORT"], !port.isEmpty else {
            throw KubernetesError.configuration("KUBERNETES_SERVICE_PORT is not set while KUBERNETES_SERVICE_HOST is \(host): the pod's environment names no API server port")
        }
        guard let portNumber = Int(port), (1...65535).contains(portNumber) else {
            throw KubernetesError.configuration("KUBERNETES_SERVICE_PORT is '\(port)': expected a port number 1..65535")
        }
        let hostPart = host.contains(":") ? "[\(host)]" : host
        let tokenFile = "\(directory)/token"
        let token = try readText(tokenFile, what: "service-account token")
        guard let ca = FileManager.default.contents(atPath: "\(directory)/ca.crt"), !ca.isEmpty else {
            throw KubernetesError.configuration("the cluster CA at \(directory)/ca.crt is missing or empty: the API server's certificate cannot be checked")
        }
        let namespaceFile = "\(directory)/namespace"
        let namespace = (try? readText(namespaceFile, what: "namespace")) ?? ""
        var c = KubernetesAPIConfiguration(server: "https://\(hostPart):\(portNumber)", bearerToken: token,
                                           certificateAuthorityPEM: [UInt8](ca), namespace: namespace.isEmpty ? "default" : namespace)
        c.tokenFile = tokenFile
        c.namespaceSource = namespace.isEmpty ? "default: \(namespaceFile) is missing or empty" : "the service account's \(namespaceFile)"
        c.insecureSkipTLSVerify = false
        return c
    }

    /// The current context of a kubeconfig file (YAML or JSON). Relative file
    /// paths inside it are resolved against the file's directory, as kubectl does.
    public static func kubeconfig(path: String) throws -> KubernetesAPIConfiguration {
        let text = try readText(path, what: "kubeconfig")
        let root: [String: Any]
        do {
            guard let parsed = try Yams.load(yaml: text) as? [String: Any] else {
                throw KubernetesError.configuration("kubeconfig \(path) is not a mapping")
            }
            root = parsed
        } catch let e as KubernetesError {
            throw e
        } catch {
            throw KubernetesError.configuration("kubeconfig \(path) is not valid YAML: \(error)")
        }
        let base = (path as NSString).deletingLastPathComponent
        func named(_ list: String, _ name: String) throws -> [String: Any] {
            let entries = root[list] as? [[String: Any]] ?? []
            guard let entry = entries.first(where: { $0["name"] as? String == name }),
                  let body = entry[String(list.dropLast())] as? [String: Any] else {
                throw KubernetesError.configuration("kubeconfig \(path): no \(list.dropLast()) named '\(name)'")
            }
            return body
        }
        guard let current = root["current-context"] as? String, !current.isEmpty else {
            throw KubernetesError.configuration("kubeconfig \(path): current-context is not set")
        }
        let context = try named("contexts", current)
        let cluster = try named("clusters", context["cluster"] as? String ?? "")
        let user = try context["user"].flatMap { $0 as? String }.map { try named("users", $0) } ?? [:]
        guard let server = cluster["server"] as? String, !server.isEmpty else {
            throw KubernetesError.configuration("kubeconfig \(path): cluster of context '\(current)' has no server")
        }
        func pem(data key: String, file fileKey: String, in map: [String: Any]) throws -> [UInt8]? {
            if let b64 = map[key] as? String {
                guard let d = Data(base64Encoded: b64, options: .ignoreUnknownCharacters) else {
                    throw KubernetesError.configuration("kubeconfig \(path): \(key) is not base64")
                }
                return [UInt8](d)
            }
            if let file = map[fileKey] as? String {
                let full = file.hasPrefix("/") ? file : base + "/" + file
                return [UInt8](try readText(full, what: fileKey).utf8)
            }
            return nil
        }
        let contextNamespace = context["namespace"] as? String ?? ""
        var c = KubernetesAPIConfiguration(server: server, namespace: contextNamespace.isEmpty ? "default" : contextNamespace)
        c.namespaceSource = contextNamespace.isEmpty
            ? "default: context '\(current)' of the kubeconfig \(path) names no namespace"
            : "context '\(current)' of the kubeconfig \(path)"
        c.certificateAuthorityPEM = try pem(data: "certificate-authority-data", file: "certificate-authority", in: cluster)
        c.insecureSkipTLSVerify = cluster["insecure-skip-tls-verify"] as? Bool ?? false
        c.clientCertificatePEM = try pem(data: "client-certificate-data", file: "client-certificate", in: user)
        c.clientKeyPEM = try pem(data: "client-key-data", file: "client-key", in: user)
        if let token = user["token"] as? String {
            c.bearerToken = token
        } else if let file = user["tokenFile"] as? String {
            let full = file.hasPrefix("/") ? file : base + "/" + file
            c.bearerToken = try readText(full, what: "token file")
            c.tokenFile = full
        }
        return c
    }

    /// In-cluster when running in a pod, else `KUBECONFIG` (first entry) or `~/.kube/config`.
    public static func automatic(environment: [String: String] = ProcessInfo.processInfo.environment) throws -> KubernetesAPIConfiguration {
        if environment["KUBERNETES_SERVICE_HOST"] != nil,
           FileManager.default.fileExists(atPath: serviceAccountDirectory + "/token") {
            return try inCluster(environment: environment)
        }
        if let list = environment["KUBECONFIG"], let first = list.split(separator: ":").first {
            return try kubeconfig(path: String(first))
        }
        let home = environment["HOME"] ?? NSHomeDirectory()
        return try kubeconfig(path: home + "/.kube/config")
    }

    private static func readText(_ path: String, what: String) throws -> String {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw KubernetesError.configuration("cannot read the \(what) at \(path)")
        }
        return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
