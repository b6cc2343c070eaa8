/// How the planner turns forecasts into headroom per pool, beyond Dynamo's mean sizing
/// (docs/planning.md "Headroom chosen by the SLA"). `.dynamo` changes nothing.
public struct SLAHeadroomSettings: Equatable, Sendable {
    /// `--decode-headroom`: the decode pool's request count is the quantile forecast times
    /// this instead of `--forecast-headroom` (nil: the same factor as prefill, Dynamo's shape).
    public var decodeHeadroom: Double?
    /// SLA feedback (`--target-attainment`): nil turns it off.
    public var targetAttainment: Double?
    /// Keep a pool's size until two decisions in a row ask for fewer (`--hold-scale-down`).
    public var holdScaleDown: Bool
    public var feedback: SLAFeedback.Gains

    public init(decodeHeadroom: Double? = nil, targetAttainment: Double? = nil, holdScaleDown: Bool = false,
                feedback: SLAFeedback.Gains = .init()) {
        self.decodeHeadroom = decodeHeadroom
        self.targetAttainment = targetAttainment
        self.holdScaleDown = holdScaleDown
        self.feedback = feedback
    }

    public static let dynamo = SLAHeadroomSettings()
}

/// The SLA-feedback factor of one pool: a multiplier on the request count the pool is
/// sized for, moved once per interval by the fraction of the interval's finished
/// requests that met the pool's SLA (TTFT for prefill, ITL for decode).
///
/// - missed more than the target allows (`1 − attainment > 1 − target`): raised at once,
///   by `raiseGain` × the excess miss fraction (at most `maxRaise` per interval);
/// - met with at most half the allowed misses: lowered by `lowerStep` (a slow decay);
/// - in between, or no attainment observed (no finished requests): kept.
/// Always within `minFactor...maxFactor`.
public enum SLAFeedback {
    public struct Gains: Equatable, Sendable {
        public var raiseGain: Double
        public var maxRaise: Double
        public var lowerStep: Double
        public var minFactor: Double
        public var maxFactor: Double

        public init(raiseGain: Double = 2, maxRaise: Double = 0.3, lowerStep: Double = 0.01,
                    minFactor: Double = 1, maxFactor: Double = 3) {
            self.raiseGain = raiseGain
            self.maxRaise = maxRaise
            self.lowerStep = lowerStep
            self.minFactor = minFactor
            self.maxFactor = maxFactor
        }
    }

    /// The factor after one interval with `attainment` (a fraction in 0...1, nil or NaN: not observed).
    public static func next(factor: Double, attainment: Double?, target: Double, gains: Gains = .init()) -> Double {
        let current = factor.isFinite ? factor : 1
        let clamped = min(max(current, gains.minFactor), gains.maxFactor)
        guard let a = attainment, a.isFinite, target.isFinite else { return clamped }
        let miss = 1 - min(max(a, 0), 1)
        let allowed = 1 - min(max(target, 0), 1)
        var out = clamped
        if miss > allowed {
            out = clamped * (1 + min(gains.maxRaise, gains.raiseGain * (miss - allowed)))
        } else if miss <= allowed / 2 {
            out = clamped * (1 - gains.lowerStep)
        }
        return min(max(out, gains.minFactor), gains.maxFactor)
    }
}

extension SLAFeedback {
    /// Whether an interval's attainment may move a pool's factor, as far as this interval
    /// alone tells: only when the pool ran, from the interval's start, at least the workers
    /// the planner asked for that interval (`served` ≥ `asked`). Misses while ordered workers
    /// were still starting — a cold start, or the interval after a scale-up when the startup
    /// time is as long as the interval — are the startup delay's, not the sizing's; counting
    /// them drives the factor up for nothing. No decision yet (`asked` nil) counts; an unknown
    /// `served` (the first interval) does not count: no decision of the planner served it.
    public static func countsInterval(served: Int?, asked: Int?) -> Bool {
        guard let served else { return false }
        guard let asked else { return true }
        return served >= asked
    }

    /// The startup rule over time, one per pool: an interval counts only when the pool ran
    /// as asked (`countsInterval`) in it *and* in the interval before. Requests queued while
    /// a pool was short — a cold start, a scale-up still starting — finish, late, in the
    /// interval after; their misses are that shortage's too. Without this a cold start
    /// raised the factor three times in a row and the slow decay kept the excess for the
    /// rest of the hour (Mooncake from one worker per pool: 7.05 GPU-hours against 4.75).
    public struct IntervalGate: Equatable, Sendable {
        private var previousRanAsAsked = false

        public init() {}

        /// Whether this interval counts; remembers whether it ran as asked for the next one.
        public mutating func counts(served: Int?, asked: Int?) -> Bool {
            let ranAsAsked = SLAFeedback.countsInterval(served: served, asked: asked)
            defer { previousRanAsAsked = ranAsAsked }
            return ranAsAsked && previousRanAsAsked
        }
    }

    /// One gate per pool.
    public struct PoolGates: Equatable, Sendable {
        public var prefill = IntervalGate()
        public var decode = IntervalGate()

        public init() {}
    }
}

/// `--hold-scale-down`: with a startup time as long as the interval, a worker removed now is
/// missed at once while one added now serves only from the next interval. A pool shrinks
/// only when this decision and the previous one both ask for fewer workers than it has:
/// the target is the larger of the two (a rise is never held back).
public enum ScaleDownHold {
    public static func target(current: Int, previous: Int?) -> Int {
        guard let previous else { return current }
        return max(current, previous)
    }
}
