#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension JSONScanner {
    /// The parsed form of a JSON number.
    public struct Number {
        public var value: Double
        /// Exact value when the literal is an integer that fits in Int64.
        public var integer: Int64?

        @inlinable
        public init(value: Double, integer: Int64?) {
            self.value = value
            self.integer = integer
        }
    }

    @usableFromInline
    static let exactPowersOfTen: [Double] = (0...22).map { pow(10.0, Double($0)) }

    /// Parses a number at `index`, rounded exactly like Python's `float()` (the
    /// trace reference's parser): Clinger's fast path when the digits and the power
    /// of ten are both exact doubles, otherwise strtod on the literal.
    /// `-Infinity` only when `allowsNonFiniteLiterals`.
    @inlinable
    public mutating func parseNumber() throws -> Number {
        let start = index
        var negative = false
        if peek() == 0x2D { negative = true; index += 1 }
        if peek() == 0x49 && allowsNonFiniteLiterals { // -Infinity
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

    @usableFromInline
    func slowParse(_ start: Int, _ end: Int) -> Double {
        var text = [CChar](repeating: 0, count: end - start + 1)
        for k in start..<end { text[k - start] = CChar(bitPattern: bytes[k]) }
        return strtod(text, nil)
    }
}
