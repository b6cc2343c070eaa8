#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Why a line is not acceptable; turned into a `PlannerIOError` with file and line
/// by the caller, which knows them.
struct LineError: Error {
    var message: String
}

/// A hand-written, validating JSON scanner over one line's bytes. It decodes only
/// what it is asked for (numbers of known fields) and skips everything else
/// without building values, which is what makes trace reading fast: the long
/// `hash_ids` arrays are validated in a tight loop but never materialised.
/// Accepts RFC 8259 plus Python's `NaN`/`Infinity`/`-Infinity` literals, as the
/// reference's `json.loads` does.
struct JSONScanner {
    let bytes: UnsafeBufferPointer<UInt8>
    var index = 0
    /// Nesting deeper than this is refused rather than recursed into.
    static let maximumDepth = 256

    init(_ bytes: UnsafeBufferPointer<UInt8>) { self.bytes = bytes }

    var atEnd: Bool { index >= bytes.count }

    @inline(__always) func peek() -> UInt8 { index < bytes.count ? bytes[index] : 0 }

    @inline(__always) mutating func skipWhitespace() {
        while index < bytes.count {
            let c = bytes[index]
            if c != 0x20 && c != 0x09 && c != 0x0D && c != 0x0A { return }
            index += 1
        }
    }

    func failure(_ expected: String) -> LineError {
        if index >= bytes.count { return LineError(message: "invalid JSON: line ends where \(expected) was expected") }
        let c = bytes[index]
        let shown = c >= 0x20 && c < 0x7F ? "'\(Character(UnicodeScalar(c)))'" : "byte 0x\(String(c, radix: 16))"
        return LineError(message: "invalid JSON at column \(index + 1): expected \(expected), found \(shown)")
    }

    @inline(__always) mutating func expect(_ c: UInt8, _ what: String) throws {
        guard index < bytes.count && bytes[index] == c else { throw failure(what) }
        index += 1
    }

    /// After the top-level value only whitespace may follow.
    mutating func expectEnd() throws {
        skipWhitespace()
        guard atEnd else { throw failure("end of line after the JSON value") }
    }

    // MARK: strings

    /// Skips a string whose opening quote is at `index`; returns the raw span
    /// between the quotes and whether it holds escapes.
    @inline(__always)
    mutating func scanString() throws -> (start: Int, end: Int, escaped: Bool) {
        index += 1
        let start = index
        var escaped = false
        while index < bytes.count {
            let c = bytes[index]
            if c == 0x22 { index += 1; return (start, index - 1, escaped) }
            if c == 0x5C {
                escaped = true
                index += 1
                guard index < bytes.count else { break }
                switch bytes[index] {
                case 0x22, 0x5C, 0x2F, 0x62, 0x66, 0x6E, 0x72, 0x74: index += 1
                case 0x75:
                    for k in 1...4 {
                        guard index + k < bytes.count, Self.hexValue(bytes[index + k]) != nil else {
                            index += k
                            throw failure("4 hex digits after \\u")
                        }
                    }
                    index += 5
                default: throw failure("a valid escape after '\\'")
                }
                continue
            }
            if c < 0x20 { throw failure("a printable character in string") }
            index += 1
        }
        throw LineError(message: "invalid JSON: unterminated string starting at column \(start)")
    }

    static func hexValue(_ c: UInt8) -> UInt32? {
        switch c {
        case 0x30...0x39: return UInt32(c - 0x30)
        case 0x41...0x46: return UInt32(c - 0x41 + 10)
        case 0x61...0x66: return UInt32(c - 0x61 + 10)
        default: return nil
        }
    }

    /// Decodes a scanned string (already validated by `scanString`) to UTF-8 bytes.
    func decodeString(_ span: (start: Int, end: Int, escaped: Bool)) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(span.end - span.start)
        var i = span.start
        while i < span.end {
            let c = bytes[i]
            guard c == 0x5C else { out.append(c); i += 1; continue }
            let e = bytes[i + 1]
            i += 2
            switch e {
            case 0x62: out.append(0x08)
            case 0x66: out.append(0x0C)
            case 0x6E: out.append(0x0A)
            case 0x72: out.append(0x0D)
            case 0x74: out.append(0x09)
            case 0x75:
                var code: UInt32 = 0
                for k in 0..<4 { code = code << 4 | (Self.hexValue(bytes[i + k]) ?? 0) }
                i += 4
                // Surrogates and the like only matter for keys we never look up.
                let scalar = UnicodeScalar(code) ?? "\u{FFFD}"
                out.append(contentsOf: Array(String(Character(scalar)).utf8))
            default: out.append(e)
            }
        }
        return out
    }

    /// Compares a scanned string with an ASCII key.
    func stringEquals(_ span: (start: Int, end: Int, escaped: Bool), _ key: StaticString) -> Bool {
        let count = key.utf8CodeUnitCount
        if !span.escaped {
            guard span.end - span.start == count else { return false }
            return memcmp(bytes.baseAddress! + span.start, key.utf8Start, count) == 0
        }
        let decoded = decodeString(span)
        return decoded.count == count && decoded.withUnsafeBufferPointer {
            memcmp($0.baseAddress!, key.utf8Start, count) == 0
        }
    }

    // MARK: numbers

    /// The parsed form of a JSON number.
    struct Number {
        var value: Double
        /// Exact value when the literal is an integer that fits in Int64.
        var integer: Int64?
    }

    private static let exactPowersOfTen: [Double] = (0...22).map { pow(10.0, Double($0)) }

    /// Parses a number at `index`, rounded exactly like Python's `float()` (the
    /// reference's parser): Clinger's fast path when the digits and the power of ten
    /// are both exact doubles, otherwise strtod on the literal.
    mutating func parseNumber() throws -> Number {
        let start = index
        var negative = false
        if peek() == 0x2D { negative = true; index += 1 }
        if peek() == 0x49 { // -Infinity
            try literal("Infinity")
            return Number(value: negative ? -.infinity : .infinity, integer: nil)
        }
        var mantissa: UInt64 = 0
        var digits = 0
        var overflow = false
        let first = peek()
        guard first >= 0x30 && first <= 0x39 else { throw failure("a digit") }
        if first == 0x30 {
            index += 1
            if index < bytes.count, bytes[index] >= 0x30 && bytes[index] <= 0x39 {
                throw failure("no leading zero")
            }
        } else {
            while index < bytes.count {
                let d = bytes[index] &- 0x30
                if d > 9 { break }
                if digits < 19 { mantissa = mantissa * 10 + UInt64(d) } else { overflow = true }
                digits += 1
                index += 1
            }
        }
        var exponent = 0
        var isInteger = true
        if peek() == 0x2E {
            isInteger = false
            index += 1
            let fracStart = index
            while index < bytes.count {
                let d = bytes[index] &- 0x30
                if d > 9 { break }
                if digits < 19 { mantissa = mantissa * 10 + UInt64(d); exponent -= 1; if mantissa != 0 { digits += 1 } }
                else if d != 0 { overflow = true }
                index += 1
            }
            guard index > fracStart else { throw failure("a digit after '.'") }
        }
        if peek() | 0x20 == 0x65 {
            isInteger = false
            index += 1
            var expNegative = false
            if peek() == 0x2B || peek() == 0x2D { expNegative = peek() == 0x2D; index += 1 }
            let expStart = index
            var e = 0
            while index < bytes.count {
                let d = bytes[index] &- 0x30
                if d > 9 { break }
                if e < 100_000 { e = e * 10 + Int(d) }
                index += 1
            }
            guard index > expStart else { throw failure("a digit in the exponent") }
            exponent += expNegative ? -e : e
        }
        if isInteger && !overflow && mantissa <= UInt64(Int64.max) {
            let v = Int64(mantissa)
            return Number(value: negative ? -Double(v) : Double(v), integer: negative ? -v : v)
        }
        if !overflow && mantissa <= (1 << 53) && exponent >= -22 && exponent <= 22 {
            var v = Double(mantissa)
            v = exponent < 0 ? v / Self.exactPowersOfTen[-exponent] : v * Self.exactPowersOfTen[exponent]
            return Number(value: negative ? -v : v, integer: nil)
        }
        return Number(value: slowParse(start, index), integer: nil)
    }

    private func slowParse(_ start: Int, _ end: Int) -> Double {
        var text = [CChar](repeating: 0, count: end - start + 1)
        for k in start..<end { text[k - start] = CChar(bitPattern: bytes[k]) }
        return strtod(text, nil)
    }

    // MARK: skipping

    mutating func literal(_ word: StaticString) throws {
        let count = word.utf8CodeUnitCount
        guard index + count <= bytes.count,
              memcmp(bytes.baseAddress! + index, word.utf8Start, count) == 0 else {
            throw failure("'\(word)'")
        }
        index += count
    }

    /// Validates and skips one value of any kind.
    mutating func skipValue(depth: Int = 0) throws {
        switch peek() {
        case 0x22: _ = try scanString()
        case 0x7B: try skipObject(depth: depth)
        case 0x5B: try skipArray(depth: depth)
        case 0x74: try literal("true")
        case 0x66: try literal("false")
        case 0x6E: try literal("null")
        case 0x4E: try literal("NaN")
        case 0x49: try literal("Infinity")
        default: _ = try parseNumber()
        }
    }

    private mutating func skipObject(depth: Int) throws {
        guard depth < Self.maximumDepth else { throw LineError(message: "JSON nested deeper than \(Self.maximumDepth) levels") }
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

    private mutating func skipArray(depth: Int) throws {
        guard depth < Self.maximumDepth else { throw LineError(message: "JSON nested deeper than \(Self.maximumDepth) levels") }
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
