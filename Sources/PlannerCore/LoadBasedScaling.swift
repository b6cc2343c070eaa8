/// The load-based mode's replica rule (docs/planning.md), a pure function in the
/// style of `ScalingMath`: the loop around it only gathers the engines' load and
/// applies the answer.
///
/// One pool at a time, on one load signal per worker — prefill: queued prompt
/// tokens per worker; decode: KV-cache utilisation (0…1) — with the throughput
/// planner's answer as the floor, and setpoint = (high + low) / 2:
/// - below the floor: the floor, at once;
/// - above `high` with no worker still starting: the workers that would carry the
///   setpoint, ceil(workers · load / setpoint), at least one more and at most
///   double (a queue drains once capacity arrives: chasing it further overshoots);
/// - below `low`, once `minDwellSeconds` have passed since the pool last changed:
///   one fewer, if the remaining workers would carry load · n / (n − 1) no more than
///   the setpoint. A removal that would push the pool back towards `high` is not
///   made (no 2↔1 flapping), and one worker per dwell keeps bursty load from
///   emptying the pool between two bursts;
/// - otherwise unchanged. Never above `maxWorkers` (when > 0) unless the floor says so.
public enum LoadBasedScaling {
    /// Scale-up and scale-down thresholds of one signal.
    public struct Thresholds: Equatable, Sendable {
        public var high: Double
        public var low: Double
        public init(high: Double, low: Double) { self.high = high; self.low = low }

        /// Prefill: queued prompt tokens per worker.
        /// (64k tokens: a few seconds of prefill on one GPU, i.e. a queue that costs TTFT.)
        public static let prefillQueueTokens = Thresholds(high: 65_536, low: 8_192)
        /// Decode: KV-cache utilisation.
        public static let decodeKVUtilisation = Thresholds(high: 0.85, low: 0.5)

        /// Finite, 0 ≤ low < high.
        public var isValid: Bool { high.isFinite && low.isFinite && low >= 0 && low < high }
    }

    /// What one pool looks like now.
    public struct PoolObservation: Equatable, Sendable {
        /// Workers serving or about to (live + starting; draining ones excluded).
        public var workers: Int
        /// Of those, still starting (their capacity is not in `load` yet).
        public var starting: Int
        /// The signal per worker (queued tokens per worker, or KV utilisation).
        public var load: Double
        /// Seconds since this pool's target last changed (∞ if never).
        public var secondsSinceChange: Double

        public init(workers: Int, starting: Int = 0, load: Double, secondsSinceChange: Double = .infinity) {
            self.workers = workers; self.starting = starting; self.load = load; self.secondsSinceChange = secondsSinceChange
        }
    }

    /// Why the target is what it is.
    public enum Reason: String, Equatable, Sendable {
        case floor, scaleUp, scaleDown, hold, holdStarting, holdDwell, holdWouldReverse
    }

    /// The pool's next target and why.
    public static func target(_ pool: PoolObservation, thresholds: Thresholds, floor: Int, minDwellSeconds: Double,
                              maxWorkers: Int = 0) -> (workers: Int, reason: Reason) {
        let current = min(max(0, pool.workers), ScalingMath.saturatedCount)
        let lowest = max(0, floor)
        func capped(_ n: Int) -> Int { maxWorkers > 0 ? max(lowest, min(n, maxWorkers)) : n }
        if current < lowest { return (lowest, .floor) }
        // A signal that cannot be read (NaN, negative) holds the pool where it is.
        guard pool.load.isFinite, pool.load >= 0, thresholds.isValid else { return (capped(current), .hold) }
        let setpoint = (thresholds.high + thresholds.low) / 2
        if pool.load > thresholds.high {
            let carrying = ScalingMath.ceilingCount(Double(current) * pool.load / setpoint)
            if pool.starting > 0 { return (capped(current), .holdStarting) }
            let doubled = current > ScalingMath.saturatedCount / 2 ? ScalingMath.saturatedCount : max(1, 2 * current)
            let oneMore = current < ScalingMath.saturatedCount ? current + 1 : current
            return (capped(min(max(oneMore, carrying), max(doubled, oneMore))), .scaleUp)
        }
        if pool.load < thresholds.low, current > lowest {
            guard pool.secondsSinceChange >= minDwellSeconds else { return (current, .holdDwell) }
            let remaining = current - 1
            let carried = remaining > 0 ? pool.load * Double(current) / Double(remaining) : (pool.load > 0 ? .infinity : 0)
            if carried > setpoint { return (current, carried >= thresholds.high ? .holdWouldReverse : .hold) }
            return (capped(remaining), .scaleDown)
        }
        return (capped(current), .hold)
    }
}

/// The load-based mode's settings (`--load-based` and its flags).
public struct LoadBasedSettings: Equatable, Sendable {
    /// Prefill pools: queued prompt tokens per worker.
    public var prefill = LoadBasedScaling.Thresholds.prefillQueueTokens
    /// Decode pools: KV-cache utilisation.
    public var decode = LoadBasedScaling.Thresholds.decodeKVUtilisation
    /// Seconds a pool keeps its size before the rule may shrink it.
    public var minDwellSeconds = 120.0
    /// Seconds between two looks at the engines' load.
    public var tickSeconds = 10.0

    public init() {}

    public func validate() throws {
        func refuse(_ flag: String, _ message: String) -> PlannerSettingsError {
            PlannerSettingsError(setting: flag, message: message)
        }
        if !prefill.isValid {
            throw refuse("--prefill-queue-high/--prefill-queue-low",
                         "need finite 0 ≤ low < high tokens per worker (got \(prefill.low), \(prefill.high))")
        }
        if !decode.isValid || decode.high > 1 {
            throw refuse("--decode-kv-high/--decode-kv-low", "need 0 ≤ low < high ≤ 1 (got \(decode.low), \(decode.high))")
        }
        if !(minDwellSeconds.isFinite && minDwellSeconds >= 0 && minDwellSeconds <= 86_400) {
            throw refuse("--scale-down-dwell", "must be 0 to 86400 s (got \(minDwellSeconds))")
        }
        if !(tickSeconds.isFinite && tickSeconds >= 0.1 && tickSeconds <= 3_600) {
            throw refuse("--load-based-tick", "must be 0.1 to 3600 s (got \(tickSeconds))")
        }
    }
}
