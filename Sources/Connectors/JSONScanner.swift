import Foundation

/// A streaming reader of one JSON document, for the answers whose size grows with the
/// fleet (Prometheus vectors, etcd ranges): values are read straight into the caller's
/// types, without the `Any` tree of `JSONSerialization` (which costs ~10× more per answer
/// of 10,000 samples on Linux). Strict RFC 8259 syntax; any error throws `Failure`
/// with the byte offset, never traps.
struct JSONScanner {
    struct Failure: Error, CustomStringConvertible {
        var offset: Int
        var expected: String
        var description: String { "invalid JSON at byte \(offset): expected \(expected)" }
    }

    private let bytes: UnsafeBufferPointer<UInt8>
    private(set) var offset = 0
    /// Nesting depth guard: hostile input cannot exhaust the stack.
    private var depth = 0

    /// Runs `body` on a scanner over `data`, then checks that nothing but whitespace follows.
    static func read<T>(_ data: Data, _ body: (inout JSONScanner) throws -> T) throws -> T {
        try data.withUnsafeBytes { raw in
            var s = JSONScanner(bytes: raw.bindMemory(to: UInt8.self))
            let value = try body(&s)
            s.whitespace()
            guard s.offset == s.bytes.count else { throw s.failure("end of document") }
            return value
        }
    }

    private init(bytes: UnsafeBufferPointer<UInt8>) { self.bytes = bytes }

    func failure(_ expected: String) -> Failure { Failure(offset: offset, expected: expected) }

    mutating func whitespace() {
        while offset < bytes.count, bytes[offset] == 0x20 || bytes[offset] == 0x0A || bytes[offset] == 0x0D || bytes[offset] == 0x09 {
            offset += 1
        }
    }

    /// The next significant byte, not consumed; nil at the end.
    mutating func peek() -> UInt8? {
        whitespace()
        return offset < bytes.count ? bytes[offset] : nil
    }

    private mutating func expect(_ byte: UInt8, _ name: String) throws {
        guard peek() == byte else { throw failure(name) }
        offset += 1
    }

    /// `{ "key": value, … }`: `body` is called with each key and must read its value.
    mutating func object(_ body: (inout JSONScanner, String) throws -> Void) throws {
        try nested {
            try $0.expect(UInt8(ascii: "{"), "an object")
            if $0.peek() == UInt8(ascii: "}") { $0.offset += 1; return }
            while true {
                guard $0.peek() == UInt8(ascii: "\"") else { throw $0.failure("a key") }
                let key = try $0.string()
                try $0.expect(UInt8(ascii: ":"), "':'")
                try body(&$0, key)
                if $0.peek() == UInt8(ascii: ",") { $0.offset += 1; continue }
                try $0.expect(UInt8(ascii: "}"), "',' or '}'")
                return
            }
        }
    }

    /// `[ value, … ]`: `body` is called once per element and must read it.
    mutating func array(_ body: (inout JSONScanner) throws -> Void) throws {
        try nested {
            try $0.expect(UInt8(ascii: "["), "an array")
            if $0.peek() == UInt8(ascii: "]") { $0.offset += 1; return }
            while true {
                try body(&$0)
                if $0.peek() == UInt8(ascii: ",") { $0.offset += 1; continue }
                try $0.expect(UInt8(ascii: "]"), "',' or ']'")
                return
            }
        }
    }

    private mutating func nested(_ body: (inout JSONScanner) throws -> Void) throws {
        guard depth < 256 else { throw failure("at most 256 nested levels") }
        depth += 1
        defer { depth -= 1 }
        try body(&self)
    }

    /// A string value (escapes decoded; invalid UTF-8 repaired as `String(decoding:)` does).
    mutating func string() throws -> String {
        try expect(UInt8(ascii: "\""), "a string")
        let start = offset
        while offset < bytes.count, bytes[offset] != UInt8(ascii: "\""), bytes[offset] != UInt8(ascii: "\\") {
            guard bytes[offset] >= 0x20 else { throw failure("no control character in a string") }
            offset += 1
        }
        guard offset < bytes.count else { throw failure("the end of a string") }
        if bytes[offset] == UInt8(ascii: "\"") {
            offset += 1
            return String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<offset - 1]), as: UTF8.self)
        }
        var out = Array(bytes[start..<offset])
        while offset < bytes.count {
            let b = bytes[offset]
            offset += 1
            switch b {
            case UInt8(ascii: "\""):
                return String(decoding: out, as: UTF8.self)
            case UInt8(ascii: "\\"):
                guard offset < bytes.count else { throw failure("an escape") }
                let e = bytes[offset]
                offset += 1
                switch e {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): out.append(e)
                case UInt8(ascii: "b"): out.append(0x08)
                case UInt8(ascii: "f"): out.append(0x0C)
                case UInt8(ascii: "n"): out.append(0x0A)
                case UInt8(ascii: "r"): out.append(0x0D)
                case UInt8(ascii: "t"): out.append(0x09)
                case UInt8(ascii: "u"):
                    var scalar = try hex4()
                    if (0xD800..<0xDC00).contains(scalar), offset + 1 < bytes.count,
                       bytes[offset] == UInt8(ascii: "\\"), bytes[offset + 1] == UInt8(ascii: "u") {
                        offset += 2
                        let low = try hex4()
                        scalar = (0xDC00..<0xE000).contains(low) ? 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00) : 0xFFFD
                    }
                    out.append(contentsOf: Array(String(Unicode.Scalar(scalar).map(Character.init) ?? "\u{FFFD}").utf8))
                default: throw failure("a valid escape")
                }
            default:
                guard b >= 0x20 else { throw failure("no control character in a string") }
                out.append(b)
            }
        }
        throw failure("the end of a string")
    }

    private mutating func hex4() throws -> UInt32 {
        guard offset + 4 <= bytes.count else { throw failure("four hex digits") }
        var v: UInt32 = 0
        for _ in 0..<4 {
            let c = bytes[offset]
            let d: UInt8
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): d = c - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): d = c - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): d = c - UInt8(ascii: "A") + 10
            default: throw failure("four hex digits")
            }
            v = v << 4 | UInt32(d)
            offset += 1
        }
        return v
    }

    /// A number, `true`, `false` or `null` as its source text.
    mutating func literal() throws -> String {
        _ = peek()
        let start = offset
        while offset < bytes.count {
            let b = bytes[offset]
            let isPart = (b >= UInt8(ascii: "0") && b <= UInt8(ascii: "9")) || (b >= UInt8(ascii: "a") && b <= UInt8(ascii: "z"))
                || b == UInt8(ascii: "-") || b == UInt8(ascii: "+") || b == UInt8(ascii: ".") || b == UInt8(ascii: "E")
            guard isPart else { break }
            offset += 1
        }
        guard offset > start else { throw failure("a value") }
        return String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<offset]), as: UTF8.self)
    }

    /// A string's content or a literal's text (etcd sends 64-bit integers either way).
    mutating func text() throws -> String {
        peek() == UInt8(ascii: "\"") ? try string() : try literal()
    }

    /// A string value, or nil (after reading it) when the value is of another kind.
    mutating func stringIfAny() throws -> String? {
        guard peek() == UInt8(ascii: "\"") else {
            try skip()
            return nil
        }
        return try string()
    }

    /// Reads and discards one value of any kind.
    mutating func skip() throws {
        switch peek() {
        case UInt8(ascii: "{"): try object { s, _ in try s.skip() }
        case UInt8(ascii: "["): try array { try $0.skip() }
        case UInt8(ascii: "\""): _ = try string()
        default:
            let t = try literal()
            guard t == "true" || t == "false" || t == "null" || Double(t) != nil else { throw failure("a value") }
        }
    }
}
