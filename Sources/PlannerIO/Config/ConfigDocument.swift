import Foundation
import Yams

// Why Yams and not apple/swift-configuration: a planner config must be checked as a
// whole — every unknown key refused, every value's type checked, each error naming
// the field and its line — and swift-configuration is a key-lookup reader (a
// provider answers the keys you ask for; keys nobody asks for go unnoticed, and its
// YAML provider is Yams underneath anyway). Yams' composer gives the whole node tree
// with line marks, which is exactly what a strict schema walk needs, and Yams is
// already a dependency. JSON is read by the same composer (flow-style YAML).

/// One value of a configuration document and the line it starts on.
public struct ConfigNode: Sendable {
    public indirect enum Value: Sendable {
        case null
        case bool(Bool)
        case int(Int)
        /// A number with a fraction or exponent, or one too large for Int.
        case double(Double)
        case string(String)
        case list([ConfigNode])
        /// Keys in document order (duplicates are refused when parsing).
        case map([(key: String, node: ConfigNode)])
    }

    public var value: Value
    public var line: Int?

    public init(_ value: Value, line: Int? = nil) {
        self.value = value
        self.line = line
    }

    /// What the value is, for "expected X, got Y" messages.
    public var kindName: String {
        switch value {
        case .null: return "null"
        case .bool: return "a boolean"
        case .int, .double: return "a number"
        case .string: return "a string"
        case .list: return "a list"
        case .map: return "a mapping"
        }
    }
}

/// A configuration problem: which document, which line, which field, why.
public struct ConfigError: Error, CustomStringConvertible, Equatable {
    public var source: String
    public var line: Int?
    /// Dotted field path (`ttft_ms`, `metric_pulling_prometheus_extra_query_params.tenant`); empty for the document.
    public var path: String
    public var message: String

    public init(source: String, line: Int?, path: String, message: String) {
        self.source = source
        self.line = line
        self.path = path
        self.message = message
    }

    public var description: String {
        let location = line.map { "\(source):\($0)" } ?? source
        return path.isEmpty ? "\(location): \(message)" : "\(location): \(path): \(message)"
    }
}

/// A planner configuration: the top-level mapping of a YAML or JSON file, or of
/// inline JSON given to `--config`.
public struct ConfigDocument: Sendable {
    /// The file path, or `--config (inline JSON)`; errors start with it.
    public var source: String
    public var fields: [(key: String, node: ConfigNode)]

    public init(source: String, fields: [(key: String, node: ConfigNode)]) {
        self.source = source
        self.fields = fields
    }

    /// Reads `--config`'s argument as Dynamo does: an existing file (YAML or JSON by
    /// content), else inline JSON when it starts with `{`, else an error saying both.
    public static func load(argument: String) throws -> ConfigDocument {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: argument, isDirectory: &isDirectory) {
            if isDirectory.boolValue {
                throw ConfigError(source: argument, line: nil, path: "", message: "is a directory, not a config file")
            }
            guard let data = FileManager.default.contents(atPath: argument) else {
                throw ConfigError(source: argument, line: nil, path: "", message: "cannot be read (permissions?)")
            }
            guard let text = String(data: data, encoding: .utf8) else {
                throw ConfigError(source: argument, line: nil, path: "", message: "is not UTF-8 text")
            }
            return try parse(text, source: argument)
        }
        if argument.drop(while: \.isWhitespace).hasPrefix("{") {
            return try parse(argument, source: "--config (inline JSON)")
        }
        throw ConfigError(source: "--config", line: nil, path: "",
                          message: "'\(argument)' is neither an existing file nor inline JSON (a JSON object starting with '{')")
    }

    /// Parses YAML (JSON is YAML's flow style); the document must be one mapping.
    public static func parse(_ text: String, source: String) throws -> ConfigDocument {
        let root: Node?
        do {
            root = try Yams.compose(yaml: text)
        } catch let error as YamlError {
            throw ConfigError(source: source, line: Self.line(of: error), path: "", message: "not valid YAML or JSON: \(Self.reason(of: error))")
        } catch {
            throw ConfigError(source: source, line: nil, path: "", message: "not valid YAML or JSON: \(error)")
        }
        guard let root else {
            return ConfigDocument(source: source, fields: [])  // an empty file: every default
        }
        let node = try convert(root, source: source, path: "")
        switch node.value {
        case .map(let fields): return ConfigDocument(source: source, fields: fields)
        case .null: return ConfigDocument(source: source, fields: [])
        default:
            throw ConfigError(source: source, line: node.line, path: "",
                              message: "the document must be a mapping of field names to values, got \(node.kindName)")
        }
    }

    private static func convert(_ node: Node, source: String, path: String) throws -> ConfigNode {
        let line = node.mark?.line
        switch node {
        case .scalar(let scalar):
            return ConfigNode(scalarValue(scalar), line: line)
        case .sequence(let sequence):
            var items: [ConfigNode] = []
            for (i, item) in sequence.enumerated() {
                items.append(try convert(item, source: source, path: "\(path)[\(i)]"))
            }
            return ConfigNode(.list(items), line: line)
        case .mapping(let mapping):
            var pairs: [(key: String, node: ConfigNode)] = []
            var seen = Set<String>()
            for (keyNode, valueNode) in mapping {
                guard case .scalar(let keyScalar) = keyNode else {
                    throw ConfigError(source: source, line: keyNode.mark?.line, path: path,
                                      message: "mapping keys must be plain names")
                }
                let key = keyScalar.string
                let childPath = path.isEmpty ? key : "\(path).\(key)"
                guard seen.insert(key).inserted else {
                    throw ConfigError(source: source, line: keyNode.mark?.line, path: childPath, message: "given twice")
                }
                pairs.append((key, try convert(valueNode, source: source, path: childPath)))
            }
            return ConfigNode(.map(pairs), line: line)
        default:
            // Yams 6 adds an alias case; Yams 5 resolves aliases while composing.
            return ConfigNode(.null, line: line)
        }
    }

    /// YAML core-schema typing, done here so every number is range-checked by us:
    /// quoted text is a string; null/~/empty is null; true/false a boolean; an
    /// integer literal that fits Int an int; any other number (1e19, .inf) a double.
    static func scalarValue(_ scalar: Node.Scalar) -> ConfigNode.Value {
        let s = scalar.string
        if scalar.style == .singleQuoted || scalar.style == .doubleQuoted || scalar.style == .literal || scalar.style == .folded {
            return .string(s)
        }
        switch s {
        case "", "~", "null", "Null", "NULL": return .null
        case "true", "True", "TRUE": return .bool(true)
        case "false", "False", "FALSE": return .bool(false)
        case ".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF": return .double(.infinity)
        case "-.inf", "-.Inf", "-.INF": return .double(-.infinity)
        case ".nan", ".NaN", ".NAN": return .double(.nan)
        default: break
        }
        let digits = s.hasPrefix("+") ? String(s.dropFirst()) : s
        if isIntegerLiteral(digits) {
            if let i = Int(digits) { return .int(i) }
            if let d = Double(digits) { return .double(d) }  // too large for Int: a range error later, never a trap
        }
        if isFloatLiteral(digits), let d = Double(digits) { return .double(d) }
        return .string(s)
    }

    private static func isIntegerLiteral(_ s: String) -> Bool {
        let body = s.hasPrefix("-") ? s.dropFirst() : Substring(s)
        return !body.isEmpty && body.allSatisfy(\.isASCII) && body.allSatisfy(\.isNumber)
    }

    private static func isFloatLiteral(_ s: String) -> Bool {
        // Digits, one optional sign, a point and/or an exponent; rejects "nan", "inf", hex.
        let allowed = Set("0123456789+-.eE")
        return s.contains(where: \.isNumber) && s.allSatisfy { allowed.contains($0) }
    }

    private static func line(of error: YamlError) -> Int? {
        switch error {
        case let .scanner(_, _, mark, _), let .parser(_, _, mark, _), let .composer(_, _, mark, _):
            return mark.line
        default:
            return nil
        }
    }

    private static func reason(of error: YamlError) -> String {
        switch error {
        case let .scanner(context, problem, _, _), let .parser(context, problem, _, _), let .composer(context, problem, _, _):
            let text = [context?.text, problem].compactMap { $0 }.filter { !$0.isEmpty }.joined(separator: ", ")
            return text.isEmpty ? "\(error)" : text
        default:
            return "\(error)"
        }
    }
}
