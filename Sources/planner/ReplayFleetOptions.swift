import ArgumentParser
import Foundation

/// One deployment of a fleet replay: `NAME=TRACE[,weight=W][,ttft=MS][,itl=MS][,profile=DIR]`.
struct ReplayDeploymentSpec: Equatable {
    var name: String
    var trace: String
    var weight = 1.0
    var ttftMilliseconds: Double?
    var itlMilliseconds: Double?
    var profile: String?

    static let keys = ["weight", "ttft", "itl", "profile"]

    init(name: String, trace: String) {
        self.name = name
        self.trace = trace
    }

    /// Parses one `--deployment` value; a bad one is refused naming the part.
    init(parsing text: String) throws {
        let parts = text.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        func refuse(_ why: String) -> ValidationError { ValidationError("--deployment '\(text)': \(why)") }
        guard let head = parts.first, let eq = head.firstIndex(of: "=") else {
            throw refuse("expected NAME=TRACE[,weight=W][,ttft=MS][,itl=MS][,profile=DIR]")
        }
        let name = String(head[..<eq]).trimmingCharacters(in: .whitespaces)
        let trace = String(head[head.index(after: eq)...]).trimmingCharacters(in: .whitespaces)
        guard !name.isEmpty, !trace.isEmpty else { throw refuse("NAME and TRACE must not be empty") }
        guard !name.contains("/"), !name.contains(" ") else { throw refuse("NAME must not contain '/' or spaces") }
        self.init(name: name, trace: trace)
        var seen = Set<String>()
        for part in parts.dropFirst() {
            let kv = part.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard kv.count == 2, Self.keys.contains(kv[0]) else {
                throw refuse("'\(part)' is not one of \(Self.keys.map { "\($0)=…" }.joined(separator: ", "))")
            }
            guard seen.insert(kv[0]).inserted else { throw refuse("\(kv[0]) is given twice") }
            func number(_ bound: ClosedRange<Double>) throws -> Double {
                guard let v = Double(kv[1]), v.isFinite, bound.contains(v) else {
                    throw refuse("\(kv[0]) must be a number in \(bound.lowerBound)…\(bound.upperBound) (got '\(kv[1])')")
                }
                return v
            }
            switch kv[0] {
            case "weight": weight = try number(0...1e6)
            case "ttft": ttftMilliseconds = try number(1e-3...1e7)
            case "itl": itlMilliseconds = try number(1e-3...1e7)
            default:
                guard !kv[1].isEmpty else { throw refuse("profile needs a directory") }
                profile = kv[1]
            }
        }
    }
}

/// Flags of `planner replay` that replay several deployments on one GPU pool.
struct ReplayFleetOptions: ParsableArguments {
    @Option(name: .customLong("deployment"),
            help: ArgumentHelp("Fleet replay: one deployment, NAME=TRACE[,weight=W][,ttft=MS][,itl=MS][,profile=DIR] (repeat; "
                + "what is not given comes from the shared flags; weight: importance when GPUs are short, default 1)."))
    var deployments: [String] = []

    @OptionGroup var budget: FleetBudgetOptions

    var maxTotalGPUs: Int { budget.maxTotalGPUs }
    var minTotalGPUs: Int { budget.minTotalGPUs }

    func validate() throws {
        _ = try deployments.map(ReplayDeploymentSpec.init(parsing:))
    }
}

extension ReplayCommand {
    /// The deployments of a fleet replay: every `--deployment`, then each `--dataset`
    /// (named after its file); empty for a single replay (no `--deployment`, at most one `--dataset`).
    func fleetDeployments() throws -> [ReplayDeploymentSpec] {
        var specs = try fleet.deployments.map(ReplayDeploymentSpec.init(parsing:))
        guard !specs.isEmpty || datasets.count >= 2 else { return [] }
        var names = Set(specs.map(\.name))
        guard names.count == specs.count else {
            let dup = specs.map(\.name).first { name in specs.filter { $0.name == name }.count > 1 } ?? ""
            throw ValidationError("--deployment: the name '\(dup)' is used twice")
        }
        for path in datasets {
            let stem = ((path as NSString).lastPathComponent as NSString).deletingPathExtension
            var name = stem.isEmpty ? "trace" : stem.replacingOccurrences(of: " ", with: "_")
            var k = 2
            while names.contains(name) { name = "\(stem)-\(k)"; k += 1 }
            names.insert(name)
            specs.append(ReplayDeploymentSpec(name: name, trace: path))
        }
        return specs
    }
}
