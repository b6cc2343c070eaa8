import CNumerics

/// Additive Holt–Winters exponential smoothing with statsmodels' recursions
/// and admissible region, on the C core (`cn_holt_winters.h`).
public enum HoltWinters {
    /// Which components the model has.
    public struct Spec: Equatable, Sendable {
        public var trend: Bool
        /// Estimates the damping φ ∈ [0.8, 0.995] (needs a trend).
        public var damped: Bool
        /// Season length in observations (≥ 2), 0 for none.
        public var period: Int

        public init(trend: Bool, damped: Bool, period: Int) {
            self.trend = trend; self.damped = damped; self.period = period
        }

        var c: cn_hw_spec {
            cn_hw_spec(trend: trend ? 1 : 0, damped: damped ? 1 : 0, period: Int32(clamping: period))
        }
    }

    /// Smoothing weights: α (level), β (trend), γ (season), φ (damping, 1 undamped).
    public struct Parameters: Equatable, Sendable {
        public var alpha: Double, beta: Double, gamma: Double, phi: Double
        public init(alpha: Double, beta: Double = 0, gamma: Double = 0, phi: Double = 1) {
            self.alpha = alpha; self.beta = beta; self.gamma = gamma; self.phi = phi
        }
        init(_ p: cn_hw_params) { self.init(alpha: p.alpha, beta: p.beta, gamma: p.gamma, phi: p.phi) }
        var c: cn_hw_params { cn_hw_params(alpha: alpha, beta: beta, gamma: gamma, phi: phi) }
    }

    /// The model's state after the observations filtered so far; `seasonal` is a
    /// ring of `period` values and `slot` indexes the next observation's one.
    public struct State: Equatable, Sendable {
        public var level: Double
        public var trend: Double
        public var seasonal: [Double]
        public var slot: Int
        public init(level: Double, trend: Double = 0, seasonal: [Double] = [], slot: Int = 0) {
            self.level = level; self.trend = trend; self.seasonal = seasonal; self.slot = slot
        }
    }

    /// statsmodels' "simple" initial state (needs 2 points with a trend, 2 seasons with a season).
    public static func simpleInitialState(_ spec: Spec, series: [Double]) throws -> State {
        var level = 0.0, trend = 0.0
        var seasonal = [Double](repeating: 0, count: spec.period)
        let status = series.withUnsafeBufferPointer { y in
            seasonal.withUnsafeMutableBufferPointer { s in
                cn_hw_initial_simple(spec.c, y.baseAddress, Int32(clamping: y.count), &level, &trend, s.baseAddress)
            }
        }
        try NumericsError.check(status, "cn_hw_initial_simple")
        return State(level: level, trend: trend, seasonal: seasonal)
    }

    /// The planner's initial state (`cn_hw_initial_smoothed`): a line through the
    /// first points without season; with one, the season averaged over every full
    /// cycle and smoothed by a circular moving average of `window` (odd) points.
    public static func smoothedInitialState(_ spec: Spec, series: [Double], window: Int) throws -> State {
        var level = 0.0, trend = 0.0
        var seasonal = [Double](repeating: 0, count: spec.period)
        var scratch = [Double](repeating: 0, count: spec.period)
        let status = series.withUnsafeBufferPointer { y in
            seasonal.withUnsafeMutableBufferPointer { s in
                scratch.withUnsafeMutableBufferPointer { w in
                    cn_hw_initial_smoothed(spec.c, y.baseAddress, Int32(clamping: y.count), Int32(clamping: window),
                                           &level, &trend, s.baseAddress, w.baseAddress)
                }
            }
        }
        try NumericsError.check(status, "cn_hw_initial_smoothed")
        return State(level: level, trend: trend, seasonal: seasonal)
    }

    /// Advances `state` over `series`; returns the sum of squared one-step errors.
    @discardableResult
    public static func filter(_ spec: Spec, _ parameters: Parameters, series: [Double], state: inout State) throws -> Double {
        try series.withUnsafeBufferPointer { try filter(spec, parameters, $0, state: &state) }
    }

    /// Advances `state` by one observation (O(1), no allocation); returns the one-step error.
    public static func step(_ spec: Spec, _ parameters: Parameters, value: Double, state: inout State) throws -> Double {
        let before = forecast(spec, parameters, state: state)
        var v = value
        _ = try withUnsafePointer(to: &v) { try filter(spec, parameters, UnsafeBufferPointer(start: $0, count: 1), state: &state) }
        return value - before
    }

    private static func filter(_ spec: Spec, _ parameters: Parameters, _ y: UnsafeBufferPointer<Double>,
                               state: inout State) throws -> Double {
        guard state.seasonal.count == spec.period else {
            throw NumericsError(routine: "cn_hw_filter", status: CN_ERR_ARGUMENT.rawValue)
        }
        var cState = cn_hw_state(level: state.level, trend: state.trend, slot: Int32(clamping: state.slot))
        var sse = 0.0
        let status = state.seasonal.withUnsafeMutableBufferPointer { s in
            cn_hw_filter(spec.c, parameters.c, y.baseAddress, Int32(clamping: y.count), &cState, s.baseAddress, &sse, nil)
        }
        try NumericsError.check(status, "cn_hw_filter")
        state.level = cState.level
        state.trend = cState.trend
        state.slot = Int(cState.slot)
        return sse
    }

    /// One-step forecast l + φ·b + s[slot].
    public static func forecast(_ spec: Spec, _ parameters: Parameters, state: State) -> Double {
        var phi = parameters.phi
        if !spec.damped { phi = 1 }
        var f = state.level + (spec.trend ? phi * state.trend : 0)
        if spec.period > 0, state.slot >= 0, state.slot < state.seasonal.count { f += state.seasonal[state.slot] }
        return f
    }

    /// Least-squares fit of the smoothing weights from the initial state `initial`
    /// (statsmodels' `fit()` objective); `warmStart` is tried besides the built-in grid.
    public static func fit(_ spec: Spec, series: [Double], initial: State, warmStart: Parameters? = nil,
                           workspace: inout [Double]) throws -> (parameters: Parameters, sse: Double) {
        guard !series.isEmpty, initial.seasonal.count == spec.period else {
            throw NumericsError(routine: "cn_hw_fit", status: CN_ERR_ARGUMENT.rawValue)
        }
        let size = cn_hw_fit_workspace_size(spec.c)
        guard size > 0 else { throw NumericsError(routine: "cn_hw_fit", status: CN_ERR_ARGUMENT.rawValue) }
        if workspace.count < size { workspace = [Double](repeating: 0, count: size) }
        var result = cn_hw_fit_result()
        var start = warmStart?.c ?? cn_hw_params()
        let status = series.withUnsafeBufferPointer { y in
            initial.seasonal.withUnsafeBufferPointer { s0 in
                workspace.withUnsafeMutableBufferPointer { w in
                    withUnsafePointer(to: &start) { startPointer in
                        cn_hw_fit(spec.c, y.baseAddress, Int32(clamping: y.count), initial.level, initial.trend,
                                  s0.baseAddress, warmStart == nil ? nil : startPointer, &result, w.baseAddress, w.count)
                    }
                }
            }
        }
        try NumericsError.check(status, "cn_hw_fit")
        return (Parameters(result.params), result.sse)
    }
}
