import ArgumentParser
import Foundation
import PlannerCore

/// Flags of `planner run` that turn one process into the planner of a fleet.
struct FleetOptions: ParsableArguments {
    @Option(name: .customLong("managed-namespaces"),
            help: "Plan these Dynamo namespaces in one process (comma-separated, each once; with kubernetes each is NS-DGDNAME).")
    var managedNamespaces: String?

    @Option(name: .customLong("fleet-profile-root"),
            help: "Fleet: namespace NS uses the profile in DIR/NS (default: every namespace uses --profile-results-dir).")
    var fleetProfileRoot: String?

    @Option(name: .customLong("fleet-weights"),
            help: "Fleet: NS=WEIGHT,... relative importance when GPUs are short (default 1; 0: only min_endpoint).")
    var fleetWeights: String?

    @OptionGroup var budget: FleetBudgetOptions

    @Option(name: .customLong("fleet-replica-id"),
            help: "Fleet sharding: this replica's id; replicas with the same --fleet-name split the namespaces through etcd leases.")
    var fleetReplicaID: String?

    @Option(name: .customLong("fleet-name"), help: "Fleet sharding: the group of replicas (etcd prefix v1/planner-fleet/NAME/).")
    var fleetName: String = "default"

    @Option(name: .customLong("fleet-lease-ttl"), help: "Fleet sharding: seconds a dead replica keeps its namespaces before the others take them.")
    var fleetLeaseTTL: Int = 10

    @Flag(name: .customLong("discover"),
          help: "Fleet: also plan every etcd namespace with planner keys (virtual) or every DGD of the Kubernetes namespace (kubernetes), found again every --discover-every intervals.")
    var discover = false

    @Option(name: .customLong("discover-every"), help: "Fleet: intervals between two discoveries (--discover).")
    var discoverEvery: Int = 1

    var maxTotalGPUs: Int { budget.maxTotalGPUs }
    var minTotalGPUs: Int { budget.minTotalGPUs }

    /// A fleet: namespaces listed (flag or the config's `deployments`) or discovered.
    var isFleet: Bool { managedNamespaces != nil || discover }

    /// The namespaces in order; empty entries and duplicates are refused.
    func namespaces() throws -> [String] {
        guard let list = managedNamespaces, !(discover && list.isEmpty) else { return [] }
        let names = list.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
        var seen = Set<String>()
        for name in names {
            if name.isEmpty { throw ValidationError("--managed-namespaces: empty namespace in '\(list)'") }
            if !seen.insert(name).inserted { throw ValidationError("--managed-namespaces: namespace '\(name)' is listed twice") }
            if name.contains("/") { throw ValidationError("--managed-namespaces: namespace '\(name)' must not contain '/'") }
        }
        return names
    }

    /// NS → weight given by --fleet-weights; a name not listed is refused unless namespaces are discovered.
    func flagWeights(listed namespaces: [String]) throws -> [String: Double] {
        var out: [String: Double] = [:]
        guard let text = fleetWeights else { return out }
        let listed = Set(namespaces)
        for entry in text.split(separator: ",") {
            let parts = entry.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard parts.count == 2, let w = Double(parts[1]), w.isFinite, w >= 0 else {
                throw ValidationError("--fleet-weights: '\(entry)' is not NS=WEIGHT with a finite WEIGHT ≥ 0")
            }
            guard discover || listed.contains(parts[0]) else {
                throw ValidationError("--fleet-weights: '\(parts[0])' is not in --managed-namespaces")
            }
            out[parts[0]] = w
        }
        return out
    }

    func validate() throws {
        try NumericFlag.check("--discover-every", discoverEvery, IntegerLimits(1...1_000_000, unit: "intervals"))
        if !isFleet, budget.isSet || fleetWeights != nil || fleetProfileRoot != nil {
            throw ValidationError("--max-total-gpus, --min-total-gpus, --fleet-weights and --fleet-profile-root need --managed-namespaces (or --discover, or a config's deployments)")
        }
        if fleetLeaseTTL < 1 { throw ValidationError("--fleet-lease-ttl must be at least 1 s (got \(fleetLeaseTTL))") }
        if let id = fleetReplicaID, id.isEmpty || id.contains("/") {
            throw ValidationError("--fleet-replica-id '\(id)' must be non-empty and contain no '/'")
        }
        if fleetName.isEmpty || fleetName.contains("/") {
            throw ValidationError("--fleet-name '\(fleetName)' must be non-empty and contain no '/'")
        }
        if !isFleet, fleetReplicaID != nil { throw ValidationError("--fleet-replica-id needs a fleet (--managed-namespaces, --discover or a config's deployments)") }
        _ = try flagWeights(listed: try namespaces())
    }
}
