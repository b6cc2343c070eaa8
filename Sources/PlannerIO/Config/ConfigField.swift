import Foundation

/// One field of a planner config file bound to a property of a command (any
/// `Root`: the command struct, or an option group inside it — see `lifted`).
/// The binder checks the value's type and range and reports the field's path and
/// line; it never traps on a number (no unchecked conversion).
public struct ConfigField<Root> {
    /// Dynamo's `PlannerConfig` name where Dynamo has the setting, else the flag in snake_case.
    public let name: String
    /// Other accepted spellings (Dynamo's aliases such as `ttft` for `ttft_ms`).
    public let aliases: [String]
    /// The command-line flag (`--ttft`) that, when given, wins over the file.
    public let flag: String?
    public let help: String
    let apply: (inout Root, ConfigNode, _ at: ConfigLocation) throws -> Void
    /// The current value as YAML text (for `planner config --print-defaults`).
    let render: (Root) -> String

    public init(name: String, aliases: [String] = [], flag: String?, help: String,
                apply: @escaping (inout Root, ConfigNode, ConfigLocation) throws -> Void,
                render: @escaping (Root) -> String) {
        self.name = name
        self.aliases = aliases
        self.flag = flag
        self.help = help
        self.apply = apply
        self.render = render
    }

    /// The same field on a struct that holds `Root` at `path` (an `@OptionGroup`).
    public func lifted<Outer>(_ path: WritableKeyPath<Outer, Root>) -> ConfigField<Outer> {
        let apply = self.apply, render = self.render
        return ConfigField<Outer>(name: name, aliases: aliases, flag: flag, help: help,
                                  apply: { outer, node, at in try apply(&outer[keyPath: path], node, at) },
                                  render: { render($0[keyPath: path]) })
    }

    public func renderValue(_ root: Root) -> String { render(root) }
}

extension Array {
    /// The names and aliases of a field list.
    public func configFieldNames<Root>() -> Set<String> where Element == ConfigField<Root> {
        Set(flatMap { [$0.name] + $0.aliases })
    }
}

/// Where a value sits, for error messages.
public struct ConfigLocation {
    public var source: String
    public var path: String

    public init(source: String, path: String) {
        self.source = source
        self.path = path
    }

    public func error(_ node: ConfigNode, _ message: String) -> ConfigError {
        ConfigError(source: source, line: node.line, path: path, message: message)
    }

    func child(_ key: String) -> ConfigLocation { ConfigLocation(source: source, path: "\(path).\(key)") }
}

/// What a number must be; checked before any conversion.
public enum ConfigNumberRule: Sendable {
    case any
    case positive
    /// Greater than 0 and at most the bound.
    case positiveAtMost(Double)
    case nonNegative
    case range(ClosedRange<Double>)

    /// Why `v` breaks the rule, nil when it obeys it.
    public func check(_ v: Double) -> String? {
        guard v.isFinite else { return "must be a finite number" }
        switch self {
        case .any: return nil
        case .positive: return v > 0 ? nil : "must be greater than 0"
        case .positiveAtMost(let m): return v > 0 && v <= m ? nil : "must be greater than 0 and at most \(YAMLText.number(m))"
        case .nonNegative: return v >= 0 ? nil : "must be 0 or more"
        case .range(let r): return r.contains(v) ? nil : "must be between \(YAMLText.number(r.lowerBound)) and \(YAMLText.number(r.upperBound))"
        }
    }
}

extension ConfigField {
    // MARK: typed constructors

    /// An integer in `range`; with `nullKeepsDefault`, null leaves the value as it is
    /// (Dynamo's `Optional[int]` fields whose null means "work it out").
    public static func integer(_ name: String, _ key: WritableKeyPath<Root, Int>, flag: String?, aliases: [String] = [],
                               range: ClosedRange<Int>, nullKeepsDefault: Bool = false, help: String) -> ConfigField {
        ConfigField(name: name, aliases: aliases, flag: flag, help: help,
                    apply: { root, node, at in
                        if nullKeepsDefault, case .null = node.value { return }
                        root[keyPath: key] = try readInteger(node, at, range: range)
                    },
                    render: { String($0[keyPath: key]) })
    }

    /// An integer that may be null (Dynamo's `Optional[int]`: null means "not set").
    public static func optionalInteger(_ name: String, _ key: WritableKeyPath<Root, Int?>, flag: String?,
                                       aliases: [String] = [], range: ClosedRange<Int>, help: String) -> ConfigField {
        ConfigField(name: name, aliases: aliases, flag: flag, help: help,
                    apply: { root, node, at in
                        if case .null = node.value { root[keyPath: key] = nil; return }
                        root[keyPath: key] = try readInteger(node, at, range: range)
                    },
                    render: { $0[keyPath: key].map(String.init) ?? "null" })
    }

    /// A number obeying `rule`; with `nullKeepsDefault`, null leaves the value as it is.
    public static func number(_ name: String, _ key: WritableKeyPath<Root, Double>, flag: String?, aliases: [String] = [],
                              rule: ConfigNumberRule, nullKeepsDefault: Bool = false, help: String) -> ConfigField {
        ConfigField(name: name, aliases: aliases, flag: flag, help: help,
                    apply: { root, node, at in
                        if nullKeepsDefault, case .null = node.value { return }
                        let v: Double
                        switch node.value {
                        case .int(let i): v = Double(i)
                        case .double(let d): v = d
                        default: throw at.error(node, "expected a number, got \(node.kindName)")
                        }
                        if let problem = rule.check(v) { throw at.error(node, "\(problem) (got \(YAMLText.number(v)))") }
                        root[keyPath: key] = v
                    },
                    render: { YAMLText.number($0[keyPath: key]) })
    }

    public static func boolean(_ name: String, _ key: WritableKeyPath<Root, Bool>, flag: String?, aliases: [String] = [],
                               help: String) -> ConfigField {
        ConfigField(name: name, aliases: aliases, flag: flag, help: help,
                    apply: { root, node, at in
                        guard case .bool(let b) = node.value else {
                            throw at.error(node, "expected true or false, got \(node.kindName)")
                        }
                        root[keyPath: key] = b
                    },
                    render: { $0[keyPath: key] ? "true" : "false" })
    }

    public static func text(_ name: String, _ key: WritableKeyPath<Root, String>, flag: String?, aliases: [String] = [],
                            allowed: [String]? = nil, help: String) -> ConfigField {
        ConfigField(name: name, aliases: aliases, flag: flag, help: help,
                    apply: { root, node, at in root[keyPath: key] = try readString(node, at, allowed: allowed) },
                    render: { YAMLText.string($0[keyPath: key]) })
    }

    /// A string that may be null (unset).
    public static func optionalText(_ name: String, _ key: WritableKeyPath<Root, String?>, flag: String?,
                                    aliases: [String] = [], help: String) -> ConfigField {
        ConfigField(name: name, aliases: aliases, flag: flag, help: help,
                    apply: { root, node, at in
                        if case .null = node.value { root[keyPath: key] = nil; return }
                        root[keyPath: key] = try readString(node, at, allowed: nil)
                    },
                    render: { $0[keyPath: key].map(YAMLText.string) ?? "null" })
    }

    /// A value of a string enumeration (`load_predictor: arima`).
    public static func choice<E: RawRepresentable & CaseIterable>(
        _ name: String, _ key: WritableKeyPath<Root, E>, flag: String?, aliases: [String] = [], help: String
    ) -> ConfigField where E.RawValue == String {
        ConfigField(name: name, aliases: aliases, flag: flag, help: help,
                    apply: { root, node, at in
                        let s = try readString(node, at, allowed: E.allCases.map(\.rawValue))
                        if let e = E(rawValue: s) { root[keyPath: key] = e }
                    },
                    render: { YAMLText.string($0[keyPath: key].rawValue) })
    }

    /// A mapping of strings (Dynamo's `metric_pulling_prometheus_extra_query_params`),
    /// stored as the URL query string the flag takes (`a=1&b=2`); a query string is accepted too.
    public static func queryParameters(_ name: String, _ key: WritableKeyPath<Root, String?>, flag: String?,
                                       help: String) -> ConfigField {
        ConfigField(name: name, flag: flag, help: help,
                    apply: { root, node, at in
                        switch node.value {
                        case .null: root[keyPath: key] = nil
                        case .string(let s): root[keyPath: key] = s
                        case .map(let pairs):
                            var parts: [String] = []
                            for (k, v) in pairs {
                                let value = try readString(v, at.child(k), allowed: nil)
                                parts.append("\(QueryString.escape(k))=\(QueryString.escape(value))")
                            }
                            root[keyPath: key] = parts.joined(separator: "&")
                        default:
                            throw at.error(node, "expected a mapping of names to strings, got \(node.kindName)")
                        }
                    },
                    render: { $0[keyPath: key].map(YAMLText.string) ?? "null" })
    }
}

// MARK: value readers

func readInteger(_ node: ConfigNode, _ at: ConfigLocation, range: ClosedRange<Int>) throws -> Int {
    let v: Int
    switch node.value {
    case .int(let i): v = i
    case .double(let d):
        // 60.0 is an integer (as pydantic accepts it); 1e19 or 2.5 is not.
        guard d.isFinite, d == d.rounded(), abs(d) < 9.0e15 else {
            throw at.error(node, "expected an integer between \(range.lowerBound) and \(range.upperBound), got \(YAMLText.number(d))")
        }
        v = Int(d)
    default:
        throw at.error(node, "expected an integer, got \(node.kindName)")
    }
    guard range.contains(v) else {
        throw at.error(node, "must be between \(range.lowerBound) and \(range.upperBound) (got \(v))")
    }
    return v
}

func readString(_ node: ConfigNode, _ at: ConfigLocation, allowed: [String]?) throws -> String {
    guard case .string(let s) = node.value else {
        throw at.error(node, "expected a string, got \(node.kindName)")
    }
    if let allowed, !allowed.contains(s) {
        throw at.error(node, "must be one of \(allowed.joined(separator: ", ")) (got '\(s)')")
    }
    return s
}

/// Percent-encoding for query-string keys and values.
enum QueryString {
    static func escape(_ s: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return s.addingPercentEncoding(withAllowedCharacters: allowed) ?? s
    }
}

/// Values as `--print-defaults` writes them: YAML that the loader reads back to the same value.
public enum YAMLText {
    public static func number(_ v: Double) -> String {
        if v.isNaN { return ".nan" }
        if v.isInfinite { return v > 0 ? ".inf" : "-.inf" }
        if v == v.rounded(), abs(v) < 1e15 { return String(format: "%.1f", v) }
        return "\(v)"
    }

    /// Double-quoted, JSON-style escapes (valid YAML and JSON).
    public static func string(_ s: String) -> String {
        var out = "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            case "\r": out += "\\r"
            default:
                if scalar.value < 0x20 { out += String(format: "\\u%04x", scalar.value) } else { out.unicodeScalars.append(scalar) }
            }
        }
        return out + "\""
    }
}
