import PlannerJSON
import XCTest

/// The shared scanner: the non-finite switch, both wordings of an error, and the
/// decoding both kinds of readers rely on.
final class JSONScannerTests: XCTestCase {
    func scan<T>(_ text: String, nonFinite: Bool = false, _ body: (inout JSONScanner) throws -> T) throws -> T {
        let bytes = Array(text.utf8)
        return try bytes.withUnsafeBufferPointer { buffer in
            var s = JSONScanner(buffer, allowsNonFiniteLiterals: nonFinite)
            let value = try body(&s)
            try s.expectEnd()
            return value
        }
    }

    func error(_ text: String, nonFinite: Bool = false) -> JSONSyntaxError? {
        do {
            try scan(text, nonFinite: nonFinite) { try $0.skipValue() }
            return nil
        } catch {
            return error as? JSONSyntaxError
        }
    }

    func testNonFiniteLiteralsOnlyWhenAllowed() throws {
        for text in ["NaN", "Infinity", "-Infinity", "[1, NaN]"] {
            XCTAssertNil(error(text, nonFinite: true), text)
            XCTAssertNotNil(error(text), text)
        }
        XCTAssertEqual(try scan("-Infinity", nonFinite: true) { try $0.parseNumber().value }, -.infinity)
        XCTAssertEqual(error("-Infinity")?.description, "invalid JSON at byte 1: expected a digit")
    }

    func testErrorsAreWordedByColumnForLinesAndByByteForAnswers() throws {
        let e = try XCTUnwrap(error(#"{"a": [1,,2]}"#))
        XCTAssertEqual(e.lineMessage, "invalid JSON at column 10: expected a digit, found ','")
        XCTAssertEqual(e.description, "invalid JSON at byte 9: expected a digit")
        XCTAssertEqual(error(#"{"a": tru"#)?.lineMessage, "invalid JSON at column 7: expected 'true', found 't'")
        XCTAssertEqual(error(#"{"a": "#)?.lineMessage, "invalid JSON: line ends where a digit was expected")
        XCTAssertEqual(error(#"["ab"#)?.lineMessage, "invalid JSON: unterminated string starting at column 2")
        XCTAssertEqual(error("\"a\u{1}\"")?.description, "invalid JSON at byte 2: expected no control character in a string")
        XCTAssertEqual(error("01")?.lineMessage, "invalid JSON at column 2: expected no leading zero, found '1'")
        let deep = String(repeating: "[", count: 300)
        XCTAssertEqual(error(deep)?.lineMessage, "JSON nested deeper than 256 levels")
        XCTAssertEqual(error(deep)?.description, "invalid JSON at byte 256: expected at most 256 nested levels")
        XCTAssertNil(error(String(repeating: "[", count: 256) + String(repeating: "]", count: 256)))
    }

    func testStringsDecodeEscapesAndSurrogatePairs() throws {
        let text = try scan(#""x\u00e9\"\ud83d\ude00\/\n\ud800z""#) { try $0.string() }
        XCTAssertEqual(text, "xé\"😀/\n\u{FFFD}z")
        XCTAssertTrue(try scan(#""time\u0073tamp""#) { s in s.stringEquals(try s.scanString(), "timestamp") })
    }

    func testNumbersRoundAsPythonFloat() throws {
        let cases: [(String, Double, Int64?)] = [
            ("0", 0, 0), ("-12", -12, -12), ("1.5e3", 1500, nil), ("0.1", 0.1, nil),
            ("9223372036854775808", 9_223_372_036_854_775_808, nil), ("2.2250738585072014e-308", 2.2250738585072014e-308, nil),
        ]
        for (text, value, integer) in cases {
            let n = try scan(text) { try $0.parseNumber() }
            XCTAssertEqual(n.value, value, text)
            XCTAssertEqual(n.integer, integer, text)
        }
    }

    func testReaderStreamsObjectsAndArrays() throws {
        let bytes = Array(#" {"kvs": [ {"key": "a", "n": 3}, {"key": "b", "x": [null, true]} ], "rev": "42"} "#.utf8)
        var keys: [String] = [], rev = ""
        try bytes.withUnsafeBufferPointer { buffer in
            try JSONScanner.read(buffer) { s in
                try s.object { s, key in
                    switch key {
                    case "kvs": try s.array { s in try s.object { s, k in
                        if k == "key" { keys.append(try s.string()) } else { try s.skip() }
                    } }
                    case "rev": rev = try s.text()
                    default: try s.skip()
                    }
                }
            }
        }
        XCTAssertEqual(keys, ["a", "b"])
        XCTAssertEqual(rev, "42")
    }
}
