#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The one JSON scanner of the project, for trace lines and profiles (PlannerIO) and
/// for peer answers (Prometheus vectors, etcd ranges in Connectors).
///
/// Hand-written rather than `JSONSerialization`/`Codable` because those were measured
/// not to serve: Foundation's `Any` tree alone costs ~9x more per answer (90 ms against
/// 10 ms for a 1.7 MB Prometheus answer of 10,000 samples on Linux; docs/fleet.md), and
/// trace reading must validate and skip the long `hash_ids` arrays without building them. The scanner decodes only what it is asked for;
/// every error is a `JSONSyntaxError` with its byte offset, never a trap.
///
/// Strict RFC 8259, plus Python's `NaN`/`Infinity`/`-Infinity` literals when
/// `allowsNonFiniteLiterals` (the trace readers: the reference uses `json.loads`).
/// The hot methods are `@inlinable` so the readers in other modules run them inline.
public struct JSONScanner {
    public let bytes: UnsafeBufferPointer<UInt8>
    /// Offset of the next byte to read.
    public var index = 0
    public let allowsNonFiniteLiterals: Bool
    /// Nesting level of the callback reader (`object`/`array`).
    @usableFromInline var depth = 0
    /// Nesting deeper than this is refused rather than recursed into.
    public static let maximumDepth = 256

    @inlinable
    public init(_ bytes: UnsafeBufferPointer<UInt8>, allowsNonFiniteLiterals: Bool = false) {
        self.bytes = bytes
        self.allowsNonFiniteLiterals = allowsNonFiniteLiterals
    }

    @inlinable public var atEnd: Bool { index >= bytes.count }

    /// The byte at `index` (whitespace not skipped), 0 at the end.
    @inlinable @inline(__always)
    public func peek() -> UInt8 { index < bytes.count ? bytes[index] : 0 }

    @inlinable @inline(__always)
    public mutating func skipWhitespace() {
        while index < bytes.count {
            let c = bytes[index]
            if c != 0x20 && c != 0x09 && c != 0x0D && c != 0x0A { return }
            index += 1
        }
    }

    /// The error "expected `expected`" at `index`.
    public func failure(_ expected: String) -> JSONSyntaxError {
        JSONSyntaxError(.expected(expected), offset: index, found: index < bytes.count ? bytes[index] : nil)
    }

    /// The error "nested deeper than `maximumDepth`" at `index`.
    public func tooDeep() -> JSONSyntaxError {
        JSONSyntaxError(.nestedTooDeep, offset: index, found: index < bytes.count ? bytes[index] : nil)
    }

    @inlinable @inline(__always)
    public mutating func expect(_ c: UInt8, _ what: String) throws {
        guard index < bytes.count && bytes[index] == c else { throw failure(what) }
        index += 1
    }

    /// After the top-level value only whitespace may follow.
    public mutating func expectEnd(_ what: String = "end of line after the JSON value") throws {
        skipWhitespace()
        guard atEnd else { throw failure(what) }
    }

    /// Consumes the ASCII `word` at `index`.
    @inlinable
    public mutating func literal(_ word: StaticString) throws {
        let count = word.utf8CodeUnitCount
        guard index + count <= bytes.count,
              memcmp(bytes.baseAddress! + index, word.utf8Start, count) == 0 else {
            throw failure("'\(word)'")
        }
        index += count
    }

    // MARK: skipping

    /// Validates and skips one value of any kind at `index` (no leading whitespace).
    @inlinable
    public mutating func skipValue(depth: Int = 0) throws {
        switch peek() {
        case 0x22: _ = try scanString()
        case 0x7B: try skipObject(depth: depth)
        case 0x5B: try skipArray(depth: depth)
        default: try skipScalar()
        }
    }

    /// Validates and skips a number, `true`, `false` or `null` (or `NaN`, `Infinity`).
    @inlinable
    public mutating func skipScalar() throws {
        switch peek() {
        case 0x74: try literal("true")
        case 0x66: try literal("false")
        case 0x6E: try literal("null")
        case 0x4E where allowsNonFiniteLiterals: try literal("NaN")
        case 0x49 where allowsNonFiniteLiterals: try literal("Infinity")
        default: _ = try parseNumber()
        }
    }

    @inlinable
    mutating func skipObject(depth: Int) throws {
        guard depth < Self.maximumDepth else { throw tooDeep() }
        index += 1
        skipWhitespace()
        if peek() == 0x7D { index += 1; return }
        while true {
            guard peek() == 0x22 else { throw failure("a string key") }
            _ = try scanString()
            skipWhitespace()
            try expect(0x3A, "':'")
            skipWhitespace()
            try skipValue(depth: depth + 1)
            skipWhitespace()
            let c = peek()
            if c == 0x2C { index += 1; skipWhitespace(); continue }
            if c == 0x7D { index += 1; return }
            throw failure("',' or '}'")
        }
    }

    @inlinable
    mutating func skipArray(depth: Int) throws {
        guard depth < Self.maximumDepth else { throw tooDeep() }
        index += 1
        skipWhitespace()
        if peek() == 0x5D { index += 1; return }
        while true {
            let c = peek()
            if c >= 0x31 && c <= 0x39 {
                // Fast path for the integer arrays (hash_ids) that dominate traces.
                let numberStart = index
                index += 1
                while index < bytes.count && bytes[index] &- 0x30 <= 9 { index += 1 }
                let n = peek()
                if n == 0x2E || n | 0x20 == 0x65 {
                    index = numberStart
                    _ = try parseNumber()
                }
            } else {
                try skipValue(depth: depth + 1)
            }
            skipWhitespace()
            let d = peek()
            if d == 0x2C { index += 1; skipWhitespace(); continue }
            if d == 0x5D { index += 1; return }
            throw failure("',' or ']'")
        }
    }
}
