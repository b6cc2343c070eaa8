#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A string as scanned: the raw bytes between the quotes, not yet decoded.
public struct JSONStringSpan {
    public var start: Int
    public var end: Int
    /// Whether the raw bytes hold escapes (then they differ from the decoded text).
    public var escaped: Bool

    @inlinable
    public init(start: Int, end: Int, escaped: Bool) {
        self.start = start
        self.end = end
        self.escaped = escaped
    }
}

extension JSONScanner {
    /// Validates and skips a string whose opening quote is at `index`.
    @inlinable @inline(__always)
    public mutating func scanString() throws -> JSONStringSpan {
        let quote = index
        index += 1
        let start = index
        var escaped = false
        while index < bytes.count {
            let c = bytes[index]
            if c == 0x22 { index += 1; return JSONStringSpan(start: start, end: index - 1, escaped: escaped) }
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
            if c < 0x20 { throw failure("no control character in a string") }
            index += 1
        }
        throw JSONSyntaxError(.unterminatedString(start: quote), offset: index, found: nil)
    }

    @inlinable
    static func hexValue(_ c: UInt8) -> UInt32? {
        switch c {
        case 0x30...0x39: return UInt32(c - 0x30)
        case 0x41...0x46: return UInt32(c - 0x41 + 10)
        case 0x61...0x66: return UInt32(c - 0x61 + 10)
        default: return nil
        }
    }

    /// The 4 hex digits at `i` (validated by `scanString`).
    @usableFromInline
    func hex4(at i: Int) -> UInt32 {
        var code: UInt32 = 0
        for k in 0..<4 { code = code << 4 | (Self.hexValue(bytes[i + k]) ?? 0) }
        return code
    }

    /// The UTF-8 bytes of a scanned string: escapes decoded, a `\u` surrogate pair
    /// combined, a lone surrogate replaced by U+FFFD.
    public func decodeString(_ span: JSONStringSpan) -> [UInt8] {
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
                var code = hex4(at: i)
                i += 4
                if (0xD800..<0xDC00).contains(code), i + 6 <= span.end, bytes[i] == 0x5C, bytes[i + 1] == 0x75 {
                    let low = hex4(at: i + 2)
                    if (0xDC00..<0xE000).contains(low) {
                        code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
                        i += 6
                    }
                }
                UTF8.encode(Unicode.Scalar(code) ?? "\u{FFFD}") { out.append($0) }
            default: out.append(e)
            }
        }
        return out
    }

    /// A scanned string as text (invalid UTF-8 repaired as `String(decoding:)` does).
    public func string(_ span: JSONStringSpan) -> String {
        if !span.escaped {
            return String(decoding: UnsafeBufferPointer(rebasing: bytes[span.start..<span.end]), as: UTF8.self)
        }
        return String(decoding: decodeString(span), as: UTF8.self)
    }

    /// Compares a scanned string with an ASCII key.
    @inlinable
    public func stringEquals(_ span: JSONStringSpan, _ key: StaticString) -> Bool {
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
}
