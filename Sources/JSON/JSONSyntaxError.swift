/// Where and why a document is not JSON (or not the JSON the scanner was told to
/// accept). Each reader words it its own way: trace and profile readers by column
/// (`lineMessage`), the peer-answer readers by byte offset (`description`).
public struct JSONSyntaxError: Error, CustomStringConvertible {
    public enum Problem: Equatable, Sendable {
        /// Something else than `expected` is at `offset` (or the input ends there).
        case expected(String)
        /// Nesting deeper than `JSONScanner.maximumDepth`.
        case nestedTooDeep
        /// The input ends (at `offset`) inside a string whose opening quote is at `start`.
        case unterminatedString(start: Int)
    }

    public var problem: Problem
    /// Zero-based byte offset in the scanned bytes.
    public var offset: Int
    /// The byte at `offset`, nil at the end of the input.
    public var found: UInt8?

    public init(_ problem: Problem, offset: Int, found: UInt8?) {
        self.problem = problem
        self.offset = offset
        self.found = found
    }

    /// What should have been at `offset`.
    public var expected: String {
        switch problem {
        case .expected(let what): return what
        case .nestedTooDeep: return "at most \(JSONScanner.maximumDepth) nested levels"
        case .unterminatedString: return "the end of a string"
        }
    }

    /// `invalid JSON at byte N: expected X` (peer answers).
    public var description: String { "invalid JSON at byte \(offset): expected \(expected)" }

    /// The message of a line or file: column-based, naming what was found.
    public var lineMessage: String {
        switch problem {
        case .nestedTooDeep:
            return "JSON nested deeper than \(JSONScanner.maximumDepth) levels"
        case .unterminatedString(let start):
            return "invalid JSON: unterminated string starting at column \(start + 1)"
        case .expected(let what):
            guard let c = found else { return "invalid JSON: line ends where \(what) was expected" }
            let shown = c >= 0x20 && c < 0x7F ? "'\(Character(UnicodeScalar(c)))'" : "byte 0x\(String(c, radix: 16))"
            return "invalid JSON at column \(offset + 1): expected \(what), found \(shown)"
        }
    }
}
