import ArgumentParser
import Foundation

/// `--seasonal-period`: a count of intervals ("1440") or a duration ("86400s",
/// "1440m", "24h", "1d"); "0" turns the season off.
enum SeasonalPeriod: Equatable {
    case intervals(Int)
    case seconds(Double)

    /// Most intervals a season may hold (a week of 10 s intervals is 60,480).
    static let maxIntervals = 100_000

    static func parse(_ text: String) throws -> SeasonalPeriod {
        let t = text.trimmingCharacters(in: .whitespaces).lowercased()
        if let n = Int(t) {
            guard n == 0 || (2...maxIntervals).contains(n) else {
                throw ValidationError("--seasonal-period must be 0 or between 2 and \(maxIntervals) intervals (got \(text))")
            }
            return .intervals(n)
        }
        let units: [(String, Double)] = [("s", 1), ("m", 60), ("h", 3600), ("d", 86400)]
        for (suffix, scale) in units where t.hasSuffix(suffix) {
            if let x = Double(t.dropLast()), x.isFinite, x > 0, x <= 366 * 86400 / scale {
                return .seconds(x * scale)
            }
        }
        throw ValidationError("--seasonal-period must be a number of intervals or a duration like 86400s, 24h or 1d (got \(text))")
    }

    /// The season in intervals of `intervalSeconds` (rounded), at least 2, or 0 for none.
    func intervals(intervalSeconds: Int) throws -> Int {
        switch self {
        case .intervals(let n): return n
        case .seconds(let s):
            let n = (s / Double(max(1, intervalSeconds))).rounded()
            guard n >= 2, n <= Double(Self.maxIntervals) else {
                throw ValidationError("--seasonal-period \(s) s is \(n) intervals of \(intervalSeconds) s; a season needs 2 to \(Self.maxIntervals)")
            }
            return Int(n)
        }
    }
}
