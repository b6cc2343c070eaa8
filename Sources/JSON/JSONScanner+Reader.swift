/// The streaming reader of one document, for the answers whose size grows with the
/// fleet (Prometheus vectors, etcd ranges): values are read straight into the
/// caller's types. Every method skips the whitespace before its value.
extension JSONScanner {
    /// Runs `body` on a scanner over `bytes`, then checks that nothing but whitespace follows.
    public static func read<T>(_ bytes: UnsafeBufferPointer<UInt8>, _ body: (inout JSONScanner) throws -> T) throws -> T {
        var s = JSONScanner(bytes)
        let value = try body(&s)
        try s.expectEnd("end of document")
        return value
    }

    /// The next significant byte, not consumed; nil at the end.
    public mutating func peekPastWhitespace() -> UInt8? {
        skipWhitespace()
        return index < bytes.count ? bytes[index] : nil
    }

    /// `{ "key": value, … }`: `body` is called with each key and must read its value.
    public mutating func object(_ body: (inout JSONScanner, String) throws -> Void) throws {
        try nested {
            $0.skipWhitespace()
            try $0.expect(UInt8(ascii: "{"), "an object")
            if $0.peekPastWhitespace() == UInt8(ascii: "}") { $0.index += 1; return }
            while true {
                guard $0.peekPastWhitespace() == UInt8(ascii: "\"") else { throw $0.failure("a string key") }
                let key = $0.string(try $0.scanString())
                $0.skipWhitespace()
                try $0.expect(UInt8(ascii: ":"), "':'")
                try body(&$0, key)
                if $0.peekPastWhitespace() == UInt8(ascii: ",") { $0.index += 1; continue }
                try $0.expect(UInt8(ascii: "}"), "',' or '}'")
                return
            }
        }
    }

    /// `[ value, … ]`: `body` is called once per element and must read it.
    public mutating func array(_ body: (inout JSONScanner) throws -> Void) throws {
        try nested {
            $0.skipWhitespace()
            try $0.expect(UInt8(ascii: "["), "an array")
            if $0.peekPastWhitespace() == UInt8(ascii: "]") { $0.index += 1; return }
            while true {
                try body(&$0)
                if $0.peekPastWhitespace() == UInt8(ascii: ",") { $0.index += 1; continue }
                try $0.expect(UInt8(ascii: "]"), "',' or ']'")
                return
            }
        }
    }

    private mutating func nested(_ body: (inout JSONScanner) throws -> Void) throws {
        guard depth < Self.maximumDepth else { throw tooDeep() }
        depth += 1
        defer { depth -= 1 }
        try body(&self)
    }

    /// A string value, decoded.
    public mutating func string() throws -> String {
        guard peekPastWhitespace() == UInt8(ascii: "\"") else { throw failure("a string") }
        return string(try scanString())
    }

    /// A number, `true`, `false` or `null` (validated) as its source text.
    public mutating func literal() throws -> String {
        skipWhitespace()
        let start = index
        try skipScalar()
        return String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self)
    }

    /// A string's content or a literal's text (etcd sends 64-bit integers either way).
    public mutating func text() throws -> String {
        peekPastWhitespace() == UInt8(ascii: "\"") ? try string() : try literal()
    }

    /// A string value, or nil (after reading it) when the value is of another kind.
    public mutating func stringIfAny() throws -> String? {
        guard peekPastWhitespace() == UInt8(ascii: "\"") else {
            try skip()
            return nil
        }
        return try string()
    }

    /// Reads and discards one value of any kind.
    public mutating func skip() throws {
        skipWhitespace()
        try skipValue(depth: depth)
    }
}
