import ArgumentParser
import PlannerCore
import PlannerIO

/// One entry of a fleet config's `deployments` list: the namespace, its weight in the
/// fleet budget, and any single-deployment field that differs from the fleet's defaults
/// (the file's top level merged with the flags).
struct FleetDeployment {
    var namespace = ""
    var weight = 1.0
    var modelName: String?
    /// Kubernetes: the DynamoGraphDeployment, when `namespace` is not `NS-DGDNAME`.
    var dgd: String?
    var planner: PlannerOptions
    /// Fields the entry set itself (`weight`, `profile_results_dir`, …).
    var given: Set<String> = []
    var line: Int?

    /// One interval and one GPU budget for the whole fleet: these stay at the top level.
    static let fleetOnly: Set<String> = [
        "throughput_adjustment_interval_seconds", "throughput_adjustment_interval", "adjustment_interval",
        "max_gpu_budget", "min_gpu_budget",
    ]

    static let fields: [ConfigField<FleetDeployment>] = [
        .text("namespace", \.namespace, flag: nil, help: "Dynamo namespace of the deployment (required, each once)."),
        .number("weight", \.weight, flag: nil, aliases: ["priority"], rule: .nonNegative,
                help: "Relative importance when GPUs are short (default 1; 0: only min_endpoint)."),
        .optionalText("model_name", \.modelName, flag: nil, help: "Served model name (default: the fleet's model_name)."),
        .optionalText("dgd", \.dgd, flag: nil,
                      help: "Kubernetes: the DynamoGraphDeployment (default: the namespace minus the planner's Kubernetes namespace and '-')."),
    ] + PlannerOptions.configFields.filter { !fleetOnly.contains($0.name) }.map { $0.lifted(\FleetDeployment.planner) }
}

/// The fleet part of a `planner run` config: `deployments` and the fleet-level fields.
enum FleetConfig {
    /// The `deployments` entries: each a mapping with a namespace, none twice. Checks the shape only.
    static func entries(_ node: ConfigNode, _ at: ConfigLocation) throws -> [(namespace: String, node: ConfigNode)] {
        guard case .list(let items) = node.value else {
            throw at.error(node, "expected a list of deployments (mappings with a namespace), got \(node.kindName)")
        }
        var out: [(namespace: String, node: ConfigNode)] = []
        var firstLine: [String: Int?] = [:]
        for (i, item) in items.enumerated() {
            let here = ConfigLocation(source: at.source, path: "\(at.path)[\(i)]")
            guard case .map(let pairs) = item.value else {
                throw here.error(item, "expected a mapping with a namespace, got \(item.kindName)")
            }
            guard let nsNode = pairs.first(where: { $0.key == "namespace" })?.node else {
                throw here.error(item, "namespace: required")
            }
            let nsAt = ConfigLocation(source: at.source, path: "\(here.path).namespace")
            guard case .string(let raw) = nsNode.value else { throw nsAt.error(nsNode, "expected a string, got \(nsNode.kindName)") }
            let name = raw.trimmingCharacters(in: .whitespaces)
            if name.isEmpty || name.contains("/") {
                throw nsAt.error(nsNode, "'\(raw)' must be non-empty and contain no '/'")
            }
            if let first = firstLine[name] {
                throw nsAt.error(nsNode, "namespace '\(name)' is listed twice" + (first.map { " (first at line \($0))" } ?? ""))
            }
            firstLine[name] = nsNode.line
            out.append((name, item))
        }
        return out
    }

    /// Every deployment of `document` with its own settings: `defaults` (the merged top level
    /// and flags) overridden by the entry's fields. A bad entry is refused naming `deployments[i].field`.
    static func deployments(in document: ConfigDocument, defaults: PlannerOptions) throws -> [FleetDeployment] {
        guard let node = document.fields.first(where: { $0.key == "deployments" })?.node else { return [] }
        let schema = ConfigSchema(fields: FleetDeployment.fields)
        let topLevel = RunCommand.configFields.configFieldNames()
        var out: [FleetDeployment] = []
        for (i, entry) in try entries(node, ConfigLocation(source: document.source, path: "deployments")).enumerated() {
            let path = "deployments[\(i)]"
            guard case .map(let pairs) = entry.node.value else { continue }
            for (key, value) in pairs where FleetDeployment.fleetOnly.contains(key)
                || (topLevel.contains(key) && !schema.names.contains(key)) {
                throw ConfigError(source: document.source, line: value.line, path: "\(path).\(key)",
                                  message: "a fleet-level field: set it at the top level of the file, for every deployment")
            }
            var d = FleetDeployment(planner: defaults, line: entry.node.line)
            let outcome = try schema.apply(ConfigDocument(source: document.source, fields: pairs), to: &d, flagsGiven: [],
                                           pathPrefix: path)
            d.given = Set(outcome.applied)
            do {
                try d.planner.validate()
                try d.planner.profileFlags.validate()
                try d.planner.predictor.tuning.validate()
            } catch {
                throw ConfigError(source: document.source, line: entry.node.line, path: path,
                                  message: "namespace '\(d.namespace)': \(Planner.message(for: error))")
            }
            out.append(d)
        }
        return out
    }
}

extension FleetOptions {
    static let configFields: [ConfigField<FleetOptions>] = [
        ConfigField(name: "deployments", flag: "--managed-namespaces",
                    help: "Fleet: the deployments, each a mapping with namespace, weight and any single-deployment field (docs/config.md).",
                    apply: { root, node, at in
                        let names = try FleetConfig.entries(node, at).map { $0.namespace }
                        if !names.isEmpty { root.managedNamespaces = names.joined(separator: ",") }
                    },
                    render: { _ in "[]" }),
        .integer("max_total_gpus", \.budget.maxTotalGPUs, flag: "--max-total-gpus", range: -1...PlannerSettings.largestCount,
                 help: "Fleet: most GPUs all deployments together may use (-1: no limit)."),
        .integer("min_total_gpus", \.budget.minTotalGPUs, flag: "--min-total-gpus", range: -1...PlannerSettings.largestCount,
                 help: "Fleet: fewest GPUs the fleet keeps (-1: none)."),
        .optionalText("fleet_profile_root", \.fleetProfileRoot, flag: "--fleet-profile-root",
                      help: "Fleet: a deployment without its own profile_results_dir uses DIR/NAMESPACE."),
        .boolean("discover", \.discover, flag: "--discover", help: "Fleet: also plan every etcd namespace with planner keys (virtual) or DGD (kubernetes)."),
        .integer("discover_every", \.discoverEvery, flag: "--discover-every", range: 1...1_000_000,
                 help: "Fleet: intervals between two discoveries."),
        .optionalText("fleet_replica_id", \.fleetReplicaID, flag: "--fleet-replica-id",
                      help: "Fleet sharding: this replica's id (null: no sharding)."),
        .text("fleet_name", \.fleetName, flag: "--fleet-name", help: "Fleet sharding: the group of replicas."),
        .integer("fleet_lease_ttl", \.fleetLeaseTTL, flag: "--fleet-lease-ttl", range: 1...86_400,
                 help: "Fleet sharding: seconds a dead replica keeps its namespaces."),
    ]
}
