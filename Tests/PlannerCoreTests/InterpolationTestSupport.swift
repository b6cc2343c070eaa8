import Foundation
import PlannerCore

/// Reads profiles and interpolation goldens as JSON files (Foundation only, so
/// these tests do not depend on the profile reader under test elsewhere).
enum InterpolationFixtures {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    struct Golden {
        var isl: [Double], ttft: [Double], thpt: [Double]
        var itlGrid: [[Double]], thptGrid: [[Double]]
        var best: [[Double]]
    }

    /// JSONSerialization on Linux does not round every decimal to the nearest
    /// double, so the goldens are read with this small parser and `Double(String)`.
    static func json(_ url: URL) throws -> [String: Any] {
        var parser = ExactJSON(text: Array(try String(contentsOf: url, encoding: .utf8).utf8))
        guard let object = try parser.value() as? [String: Any] else {
            throw CocoaError(.fileReadCorruptFile, userInfo: [NSFilePathErrorKey: url.path])
        }
        return object
    }

    static func doubles(_ any: Any?) -> [Double] { any as? [Double] ?? [] }

    static func profile(_ relativeDirectory: String) throws -> PerformanceProfile {
        let dir = root.appendingPathComponent(relativeDirectory)
        let p = try json(dir.appendingPathComponent("prefill_raw_data.json"))
        let d = try json(dir.appendingPathComponent("decode_raw_data.json"))
        let maxKV = Int((d["max_kv_tokens"] as? Double) ?? (d["max_kv_tokens"] as? [Double])?.first ?? 0)
        return PerformanceProfile(
            prefill: PrefillProfile(isl: doubles(p["prefill_isl"]), ttftMilliseconds: doubles(p["prefill_ttft"]),
                                    throughputPerGPU: doubles(p["prefill_thpt_per_gpu"])),
            decode: DecodeProfile(kvUsage: doubles(d["x_kv_usage"]), contextLength: doubles(d["y_context_length"]),
                                  itlMilliseconds: doubles(d["z_itl"]), throughputPerGPU: doubles(d["z_thpt_per_gpu"]),
                                  maxKVTokens: maxKV))
    }

    static func golden(_ relativePath: String) throws -> Golden {
        let g = try json(root.appendingPathComponent(relativePath))
        let grid = { (key: String) in (g[key] as? [Any] ?? []).map { $0 as? [Double] ?? [] } }
        return Golden(isl: doubles(g["isl"]), ttft: doubles(g["ttft"]), thpt: doubles(g["thpt"]),
                      itlGrid: grid("itl_grid"), thptGrid: grid("thpt_grid"), best: grid("best"))
    }

    static func relative(_ a: Double, _ b: Double) -> Double {
        a == b ? 0 : abs(a - b) / max(abs(b), Double.leastNormalMagnitude)
    }
}

/// Minimal JSON reader: objects → [String: Any], arrays of numbers → [Double],
/// other arrays → [Any], numbers → Double (correctly rounded), strings, literals.
struct ExactJSON {
    let text: [UInt8]
    var i = 0

    init(text: [UInt8]) { self.text = text }

    struct Malformed: Error { let offset: Int }

    mutating func skip() { while i < text.count, [32, 9, 10, 13].contains(text[i]) { i += 1 } }

    mutating func value() throws -> Any {
        skip()
        guard i < text.count else { throw Malformed(offset: i) }
        switch text[i] {
        case UInt8(ascii: "{"):
            i += 1
            var object: [String: Any] = [:]
            skip()
            if text[i] == UInt8(ascii: "}") { i += 1; return object }
            while true {
                guard let key = try value() as? String else { throw Malformed(offset: i) }
                skip()
                guard text[i] == UInt8(ascii: ":") else { throw Malformed(offset: i) }
                i += 1
                object[key] = try value()
                skip()
                if text[i] == UInt8(ascii: ",") { i += 1; continue }
                guard text[i] == UInt8(ascii: "}") else { throw Malformed(offset: i) }
                i += 1
                return object
            }
        case UInt8(ascii: "["):
            i += 1
            var items: [Any] = []
            skip()
            if text[i] == UInt8(ascii: "]") { i += 1; return [Double]() }
            while true {
                items.append(try value())
                skip()
                if text[i] == UInt8(ascii: ",") { i += 1; continue }
                guard text[i] == UInt8(ascii: "]") else { throw Malformed(offset: i) }
                i += 1
                if let numbers = items as? [Double] { return numbers }
                return items
            }
        case UInt8(ascii: "\""):
            i += 1
            let start = i
            while text[i] != UInt8(ascii: "\"") { i += text[i] == UInt8(ascii: "\\") ? 2 : 1 }
            i += 1
            return String(decoding: text[start..<(i - 1)], as: UTF8.self)
        default:
            let start = i
            while i < text.count, !",]} \n\r\t".utf8.contains(text[i]) { i += 1 }
            let token = String(decoding: text[start..<i], as: UTF8.self)
            switch token {
            case "true": return true
            case "false": return false
            case "null": return Double.nan
            case "NaN": return Double.nan
            case "Infinity": return Double.infinity
            case "-Infinity": return -Double.infinity
            default:
                guard let number = Double(token) else { throw Malformed(offset: start) }
                return number
            }
        }
    }
}
