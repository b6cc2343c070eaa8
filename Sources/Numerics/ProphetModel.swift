import CNumerics

/// Prophet's additive model (prophet 1.5 defaults: linear growth, additive
/// seasonality, absmax scaling) fitted at its MAP point by the C core.
///
/// Timestamps are seconds since the Unix epoch: seasonal phases are absolute,
/// as Prophet's are, so the same values at other dates fit differently when a
/// seasonality is on.
public struct ProphetModel: @unchecked Sendable {
    /// How a built-in seasonality is chosen.
    public enum Seasonality: Equatable, Sendable {
        /// Prophet's rule: on (at its default order) when the history spans enough time.
        case automatic
        case off
        case order(Int)

        var code: Int32 {
            switch self {
            case .automatic: return -1
            case .off: return 0
            case .order(let o): return Int32(clamping: o)
            }
        }
    }

    /// Prophet's constructor arguments that the planner may change; defaults are Prophet's.
    public struct Settings: Equatable, Sendable {
        public var changepointCount = 25
        public var changepointRange = 0.8
        public var changepointPriorScale = 0.05
        public var seasonalityPriorScale = 10.0
        public var yearly = Seasonality.automatic
        public var weekly = Seasonality.automatic
        public var daily = Seasonality.automatic
        public var maxIterations = 10_000
        public init() {}

        var cParams: cn_prophet_params {
            var p = cn_prophet_params()
            cn_prophet_params_init(&p)
            p.n_changepoints = Int32(clamping: changepointCount)
            p.changepoint_range = changepointRange
            p.changepoint_prior_scale = changepointPriorScale
            p.seasonality_prior_scale = seasonalityPriorScale
            p.yearly_order = yearly.code
            p.weekly_order = weekly.code
            p.daily_order = daily.code
            p.max_iterations = Int32(clamping: maxIterations)
            return p
        }
    }

    let raw: cn_prophet_model

    /// Optimiser iterations (0 when the history was constant and Prophet's start was kept).
    public var iterations: Int { Int(raw.iterations) }
    /// Changepoints used (Prophet's dummy one at t = 0 counts on short histories).
    public var changepointCount: Int { Int(raw.n_changepoints) }
    /// Fourier orders in use: (yearly, weekly, daily).
    public var seasonalityOrders: (yearly: Int, weekly: Int, daily: Int) {
        (Int(raw.yearly_order), Int(raw.weekly_order), Int(raw.daily_order))
    }
    /// Base growth rate and offset, in scaled units (y / yScale per unit of scaled time).
    public var growthRate: Double { raw.k }
    public var offset: Double { raw.m }
    public var sigma: Double { raw.sigma_obs }
    public var yScale: Double { raw.y_scale }
    public var changepointDeltas: [Double] {
        withUnsafeBytes(of: raw.delta) { Array($0.bindMemory(to: Double.self).prefix(changepointCount)) }
    }

    /// Fits the model to `values` at `timestamps` (seconds). NaN values are dropped, as Prophet drops them.
    /// - Throws: `NumericsError` for fewer than two values, infinite values, all timestamps equal,
    ///   or an optimiser failure.
    public static func fit(timestamps: [Double], values: [Double], settings: Settings = Settings()) throws -> ProphetModel {
        var workspace = ProphetWorkspace()
        return try fit(timestamps: timestamps, values: values, settings: settings, workspace: &workspace)
    }

    /// As `fit(timestamps:values:settings:)`, reusing `workspace` between calls (rolling forecasts).
    public static func fit(timestamps: [Double], values: [Double], settings: Settings,
                           workspace: inout ProphetWorkspace) throws -> ProphetModel {
        let n = timestamps.count
        guard n == values.count else {
            throw NumericsError(routine: "cn_prophet_fit", status: CN_ERR_ARGUMENT.rawValue)
        }
        var params = settings.cParams
        let size = cn_prophet_workspace_size(Int32(clamping: n), &params)
        guard size > 0 || n == 0 else {
            throw NumericsError(routine: "cn_prophet_fit", status: CN_ERR_ARGUMENT.rawValue)
        }
        if workspace.buffer.count < size { workspace.buffer = [Double](repeating: 0, count: size) }
        var model = cn_prophet_model()
        let status = timestamps.withUnsafeBufferPointer { ds in
            values.withUnsafeBufferPointer { y in
                workspace.buffer.withUnsafeMutableBufferPointer { work in
                    cn_prophet_fit(Int32(n), ds.baseAddress, y.baseAddress, &params,
                                   work.baseAddress, work.count, &model)
                }
            }
        }
        try NumericsError.check(status, "cn_prophet_fit")
        return ProphetModel(raw: model)
    }

    /// yhat at `timestamps` (seconds), the trend extrapolated with the last segment's rate.
    public func predict(_ timestamps: [Double]) throws -> [Double] {
        var out = [Double](repeating: 0, count: timestamps.count)
        var model = raw
        let status = timestamps.withUnsafeBufferPointer { ds in
            out.withUnsafeMutableBufferPointer { y in
                cn_prophet_predict(&model, Int32(timestamps.count), ds.baseAddress, y.baseAddress)
            }
        }
        try NumericsError.check(status, "cn_prophet_predict")
        return out
    }
}

/// Scratch memory for repeated fits; grows to the largest history seen.
public struct ProphetWorkspace: Sendable {
    var buffer: [Double] = []
    public init() {}
}
