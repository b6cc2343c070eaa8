import Foundation

/// A number from outside refused: what it is (a flag, an etcd key, a field), what was found
/// and what is accepted. Its description is the one line a user sees.
public struct NumberOutOfRange: Error, CustomStringConvertible, Equatable, Sendable {
    public var name: String
    public var found: String
    public var expected: String

    public init(name: String, found: String, expected: String) {
        self.name = name
        self.found = found
        self.expected = expected
    }

    public var description: String { "\(name) must be \(expected), got \(found)" }
}

/// The integers a setting accepts. Check a number with these before it is multiplied,
/// added to or converted, so no arithmetic downstream can overflow.
public struct IntegerLimits: Sendable, Equatable {
    public let range: ClosedRange<Int>
    /// Plural unit for messages ("s", "GPUs"); empty for plain counts.
    public let unit: String

    public init(_ range: ClosedRange<Int>, unit: String = "") {
        self.range = range
        self.unit = unit
    }

    /// "an integer from 1 to 65536 (GPUs)".
    public var expected: String {
        "an integer from \(range.lowerBound) to \(range.upperBound)" + (unit.isEmpty ? "" : " (\(unit))")
    }

    public func contains(_ value: Int) -> Bool { range.contains(value) }

    /// `value` when inside, else `NumberOutOfRange` naming `name`.
    @discardableResult
    public func check(_ value: Int, name: String) throws -> Int {
        guard range.contains(value) else { throw NumberOutOfRange(name: name, found: String(value), expected: expected) }
        return value
    }

    /// A decimal integer inside the limits (surrounding spaces allowed); anything else,
    /// "1e3" and numbers beyond Int included, is refused naming `name`.
    public func parse(_ text: String, name: String) throws -> Int {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        guard let value = Int(trimmed) else { throw NumberOutOfRange(name: name, found: "`\(text)`", expected: expected) }
        return try check(value, name: name)
    }
}

/// The real numbers a setting accepts: finite, above (or from) a lower bound, at most an upper one.
public struct RealLimits: Sendable, Equatable {
    public let lowerBound: Double
    /// False for "above 0" (a positive duration), true for "from 0".
    public let includesLowerBound: Bool
    public let upperBound: Double
    public let unit: String

    public init(lowerBound: Double, includesLowerBound: Bool, upperBound: Double, unit: String = "") {
        self.lowerBound = lowerBound
        self.includesLowerBound = includesLowerBound
        self.upperBound = upperBound
        self.unit = unit
    }

    /// Above 0 and at most `upperBound`.
    public static func positive(atMost upperBound: Double, unit: String = "") -> RealLimits {
        RealLimits(lowerBound: 0, includesLowerBound: false, upperBound: upperBound, unit: unit)
    }

    /// From 0 to `upperBound`.
    public static func nonNegative(atMost upperBound: Double, unit: String = "") -> RealLimits {
        RealLimits(lowerBound: 0, includesLowerBound: true, upperBound: upperBound, unit: unit)
    }

    /// "a number of ms above 0 and at most 86400000".
    public var expected: String {
        let what = unit.isEmpty ? "a number" : "a number of \(unit)"
        let low = NumberText.plain(lowerBound), high = NumberText.plain(upperBound)
        return includesLowerBound ? "\(what) from \(low) to \(high)" : "\(what) above \(low) and at most \(high)"
    }

    /// False for NaN and infinities as well as for finite values outside.
    public func contains(_ value: Double) -> Bool {
        let aboveLow = includesLowerBound ? value >= lowerBound : value > lowerBound
        return aboveLow && value <= upperBound
    }

    @discardableResult
    public func check(_ value: Double, name: String) throws -> Double {
        guard contains(value) else { throw NumberOutOfRange(name: name, found: NumberText.plain(value), expected: expected) }
        return value
    }

    /// A decimal number inside the limits ("nan", "inf" and "1e400" are refused naming `name`).
    public func parse(_ text: String, name: String) throws -> Double {
        guard let value = Double(text.trimmingCharacters(in: .whitespaces)) else {
            throw NumberOutOfRange(name: name, found: "`\(text)`", expected: expected)
        }
        return try check(value, name: name)
    }
}

/// The limits of the planner's settings, one table for flags, config files and values read
/// from a deployment. Bounds sit far above any real deployment and far below where the
/// arithmetic on them (replicas × GPUs, interval × count, seconds → nanoseconds) overflows.
public enum PlannerLimits {
    /// Seconds between decisions (and per interval of a trace): up to a year.
    public static let intervalSeconds = IntegerLimits(1...31_536_000, unit: "s")
    /// TTFT and ITL targets: up to a day.
    public static let latencyMilliseconds = RealLimits.positive(atMost: 86_400_000, unit: "ms")
    /// --min-endpoint, start counts, worker counts read from etcd or a deployment.
    /// Replicas × GPUs per engine stays below 2^37.
    public static let replicas = IntegerLimits(0...1_048_576, unit: "replicas")
    /// GPUs per prefill or decode worker.
    public static let gpusPerEngine = IntegerLimits(1...65_536, unit: "GPUs")
    /// The GPU budget; -1 means no limit.
    public static let gpuBudget = IntegerLimits(-1...1_000_000_000, unit: "GPUs, -1 for no limit")
    /// Token lengths asked of a profile (`interpolate --isl/--osl`).
    public static let tokens = RealLimits.positive(atMost: 1e9, unit: "tokens")
    /// Prophet's fitting window.
    public static let prophetWindowSize = IntegerLimits(5...1_000_000, unit: "points")
    /// Kalman process and measurement noise variances.
    public static let kalmanNoise = RealLimits.nonNegative(atMost: 1e30)
    /// Points the Kalman filter waits for before forecasting.
    public static let kalmanMinPoints = IntegerLimits(0...1_000_000, unit: "points")
    /// Waits and timeouts given in seconds (Prometheus timeout, retry intervals): from 1 ms
    /// (shorter would spin) to a day.
    public static let waitSeconds = RealLimits(lowerBound: 0.001, includesLowerBound: true, upperBound: 86_400, unit: "s")
    /// TCP ports; 0 where the flag says it turns the server off.
    public static let port = IntegerLimits(0...65_535)
    /// An etcd lease TTL.
    public static let leaseSeconds = IntegerLimits(1...86_400, unit: "s")
}
