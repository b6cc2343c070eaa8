import Foundation

/// How a Dynamo namespace (the `dynamo_namespace` metrics label, a fleet member's name)
/// relates to a DynamoGraphDeployment on Kubernetes. Dynamo's operator gives every
/// service of DGD `NAME` in Kubernetes namespace `NS` the Dynamo namespace `NS-NAME`
/// (dots in NAME become '-'), unless the service sets `globalDynamoNamespace`, which
/// puts it in the shared namespace `dynamo` (docs/fleet.md, "On Kubernetes").
public enum DynamoNamespaceNaming {
    /// The shared Dynamo namespace of services with `globalDynamoNamespace: true`.
    public static let global = "dynamo"

    /// `NS-NAME`, dots in NAME replaced by '-', as the operator sets DYN_NAMESPACE.
    public static func dynamoNamespace(kubernetesNamespace: String, deployment: String) -> String {
        "\(kubernetesNamespace)-\(deployment.replacingOccurrences(of: ".", with: "-"))"
    }

    /// The DGD a Dynamo namespace names: `NS-NAME` minus `NS-`. Other names cannot be
    /// mapped (a config entry's `dgd` names the DGD then).
    public static func deploymentName(dynamoNamespace: String, kubernetesNamespace: String) throws -> String {
        let prefix = "\(kubernetesNamespace)-"
        guard dynamoNamespace.hasPrefix(prefix), dynamoNamespace.count > prefix.count else {
            throw KubernetesError.configuration(
                "'\(dynamoNamespace)' is not the Dynamo namespace of a DGD in Kubernetes namespace \(kubernetesNamespace) "
                    + "(those are \(prefix)DGDNAME): name its DGD with `dgd:` in its config entry")
        }
        return String(dynamoNamespace.dropFirst(prefix.count))
    }
}

extension DynamoGraphDeployment {
    /// Some service sets `globalDynamoNamespace: true` (its metrics carry `dynamo_namespace="dynamo"`).
    public var usesGlobalDynamoNamespace: Bool {
        services.values.contains { ($0["globalDynamoNamespace"] as? NSNumber)?.boolValue == true }
    }
}

extension KubernetesAPIClient {
    /// The list path of the DGDs in `namespace`.
    public static func deploymentListPath(namespace: String) -> String {
        "/apis/\(KubernetesConnector.group)/\(KubernetesConnector.version)/namespaces/\(namespace)/dynamographdeployments"
    }

    /// Every DGD in `namespace` (GET of the list; RBAC verb `list`). An answer without an
    /// `items` list of objects with a `metadata.name` is `malformed`.
    public func listDynamoGraphDeployments(namespace: String) async throws -> [DynamoGraphDeployment] {
        let path = Self.deploymentListPath(namespace: namespace)
        let list = try await get(path)
        guard let items = list["items"] as? [Any] else {
            throw KubernetesError.malformed(resource: path, detail: "the answer has no `items` list")
        }
        return try items.enumerated().map { i, item in
            guard let object = item as? [String: Any], let metadata = object["metadata"] as? [String: Any],
                  let name = metadata["name"] as? String, !name.isEmpty else {
                throw KubernetesError.malformed(resource: path, detail: "items[\(i)] has no metadata.name")
            }
            return DynamoGraphDeployment(name: name, object: object)
        }
    }
}
