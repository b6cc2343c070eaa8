import PlannerJSON
/// A fully decoded JSON value, for the small documents where a tree is the
/// simplest thing: Dynamo trace events and JSON profiles. (Mooncake rows never
/// build one; see `MooncakeRow`.)
indirect enum JSONValue {
    case number(JSONScanner.Number)
    case string(String)
    case bool(Bool)
    case null
    case array([JSONValue])
    /// Duplicate keys: the last one wins, as with Python's `json`.
    case object([String: JSONValue])

    /// What the value is, for "expected X, found Y" messages.
    var kind: String {
        switch self {
        case .number: return "a number"
        case .string: return "a string"
        case .bool: return "a boolean"
        case .null: return "null"
        case .array: return "an array"
        case .object: return "an object"
        }
    }

    subscript(key: String) -> JSONValue? {
        if case .object(let members) = self { return members[key] }
        return nil
    }
}

extension JSONScanner {
    /// Parses one complete value at `index`.
    mutating func parseValue(depth: Int = 0) throws -> JSONValue {
        guard depth < Self.maximumDepth else { throw tooDeep() }
        switch peek() {
        case 0x22:
            return .string(string(try scanString()))
        case 0x7B:
            index += 1
            skipWhitespace()
            var members: [String: JSONValue] = [:]
            if peek() == 0x7D { index += 1; return .object(members) }
            while true {
                guard peek() == 0x22 else { throw failure("a string key") }
                let key = string(try scanString())
                skipWhitespace()
                try expect(0x3A, "':'")
                skipWhitespace()
                members[key] = try parseValue(depth: depth + 1)
                skipWhitespace()
                let c = peek()
                if c == 0x2C { index += 1; skipWhitespace(); continue }
                if c == 0x7D { index += 1; return .object(members) }
                throw failure("',' or '}'")
            }
        case 0x5B:
            index += 1
            skipWhitespace()
            var elements: [JSONValue] = []
            if peek() == 0x5D { index += 1; return .array(elements) }
            while true {
                elements.append(try parseValue(depth: depth + 1))
                skipWhitespace()
                let c = peek()
                if c == 0x2C { index += 1; skipWhitespace(); continue }
                if c == 0x5D { index += 1; return .array(elements) }
                throw failure("',' or ']'")
            }
        case 0x74: try literal("true"); return .bool(true)
        case 0x66: try literal("false"); return .bool(false)
        case 0x6E: try literal("null"); return .null
        case 0x4E where allowsNonFiniteLiterals: try literal("NaN"); return .number(Number(value: .nan, integer: nil))
        case 0x49 where allowsNonFiniteLiterals: try literal("Infinity"); return .number(Number(value: .infinity, integer: nil))
        default: return .number(try parseNumber())
        }
    }

    /// A scanner as the reference's `json.loads` reads: NaN and ±Infinity accepted.
    static func pythonic(_ bytes: UnsafeBufferPointer<UInt8>) -> JSONScanner {
        JSONScanner(bytes, allowsNonFiniteLiterals: true)
    }

    /// Parses a whole document (one line, or a whole JSON file).
    static func parseDocument(_ bytes: UnsafeBufferPointer<UInt8>) throws -> JSONValue {
        var scanner = pythonic(bytes)
        scanner.skipWhitespace()
        let value = try scanner.parseValue()
        try scanner.expectEnd()
        return value
    }
}
