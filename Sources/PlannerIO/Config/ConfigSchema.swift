/// The config fields of one command and the rule that merges a document into it:
/// a flag given on the command line wins over the file; a field another command
/// uses is accepted (one file serves `run`, `dryrun` and `replay`) and left alone;
/// a field of Dynamo's `PlannerConfig` that this planner does not implement is named
/// in one warning; anything else is refused with its path, line and the nearest
/// known name.
public struct ConfigSchema<Root> {
    public var fields: [ConfigField<Root>]
    /// Fields of the other commands.
    public var otherCommandFields: Set<String>
    /// Dynamo's fields this planner does not implement.
    public var notImplemented: [NotImplementedField]

    public init(fields: [ConfigField<Root>], otherCommandFields: Set<String> = [],
                notImplemented: [NotImplementedField] = []) {
        self.fields = fields
        self.otherCommandFields = otherCommandFields
        self.notImplemented = notImplemented
    }

    /// Every name (and alias) this schema binds.
    public var names: Set<String> { Set(fields.flatMap { [$0.name] + $0.aliases }) }

    /// What merging did, for the command to report.
    public struct Outcome: Equatable {
        /// One line naming the unimplemented Dynamo fields, when there are any.
        public var warnings: [String] = []
        /// Fields whose value the command line replaced.
        public var overriddenByFlags: [String] = []
        /// Fields taken from the file.
        public var applied: [String] = []
    }

    /// Writes the document's values into `root`, except for fields whose flag is in
    /// `flagsGiven` (long flag names as typed, e.g. `--ttft`). `pathPrefix` names where
    /// the document sits when it is an entry of a larger one (`deployments[2]`).
    public func apply(_ document: ConfigDocument, to root: inout Root, flagsGiven: Set<String>,
                      pathPrefix: String = "") throws -> Outcome {
        var byName: [String: Int] = [:]
        for (i, f) in fields.enumerated() {
            for n in [f.name] + f.aliases { byName[n] = i }
        }
        var outcome = Outcome()
        var ignored: [String] = []
        var seenField: [Int: String] = [:]
        for (key, node) in document.fields {
            let at = ConfigLocation(source: document.source, path: pathPrefix.isEmpty ? key : "\(pathPrefix).\(key)")
            if let i = byName[key] {
                if let other = seenField[i] {
                    throw at.error(node, "the same setting as '\(other)', given twice")
                }
                seenField[i] = key
                let field = fields[i]
                if let flag = field.flag, flagsGiven.contains(flag) {
                    outcome.overriddenByFlags.append(field.name)
                    continue
                }
                try field.apply(&root, node, at)
                outcome.applied.append(field.name)
            } else if otherCommandFields.contains(key) {
                continue
            } else if let unimplemented = notImplemented.first(where: { $0.name == key }) {
                if !unimplemented.matchesThisPlanner(node) { ignored.append(key) }
            } else {
                var message = "unknown field"
                if let near = Self.nearest(key, in: names.union(otherCommandFields)) { message += " (did you mean '\(near)'?)" }
                throw at.error(node, message)
            }
        }
        if !ignored.isEmpty {
            outcome.warnings.append("\(document.source): fields of Dynamo's PlannerConfig that this planner does not "
                + "implement are ignored: \(ignored.joined(separator: ", "))")
        }
        return outcome
    }

    /// `root`'s values as a YAML document with each field's help as a comment;
    /// the loader reads it back to the same values.
    public func renderYAML(_ root: Root, including: (String) -> Bool = { _ in true }) -> String {
        var out = ""
        for f in fields where including(f.name) {
            var comment = f.help
            if let flag = f.flag { comment += " (flag \(flag))" }
            if !f.aliases.isEmpty { comment += " Also: \(f.aliases.joined(separator: ", "))." }
            out += "# \(comment)\n\(f.name): \(f.render(root))\n"
        }
        return out
    }

    /// The closest name within edit distance 3, for "did you mean".
    static func nearest(_ key: String, in names: Set<String>) -> String? {
        let scored = names.map { ($0, editDistance(key, $0)) }.filter { $0.1 <= 3 }
        return scored.min { $0.1 != $1.1 ? $0.1 < $1.1 : $0.0 < $1.0 }?.0
    }

    static func editDistance(_ a: String, _ b: String) -> Int {
        let a = Array(a.utf8), b = Array(b.utf8)
        if a.isEmpty { return b.count }
        var previous = Array(0...b.count)
        for i in 1...a.count {
            var current = [i] + Array(repeating: 0, count: b.count)
            for j in stride(from: 1, through: b.count, by: 1) {
                current[j] = Swift.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            }
            previous = current
        }
        return previous[b.count]
    }
}

/// A field of Dynamo's `PlannerConfig` this planner does not implement. A value
/// that asks for what this planner does anyway (`optimization_target: sla`) is
/// accepted quietly; any other value is named in the warning.
public struct NotImplementedField: Sendable {
    public var name: String
    /// The value that matches this planner's behaviour, if one does.
    public var matchingValue: ConfigNode.Value?

    public init(_ name: String, matching: ConfigNode.Value? = nil) {
        self.name = name
        self.matchingValue = matching
    }

    func matchesThisPlanner(_ node: ConfigNode) -> Bool {
        switch (matchingValue, node.value) {
        case (.bool(let a)?, .bool(let b)): return a == b
        case (.string(let a)?, .string(let b)): return a == b
        case (.int(let a)?, .int(let b)): return a == b
        case (_, .null): return true
        default: return false
        }
    }
}
