import CNumerics

/// ARIMA(p,d,q) with statsmodels SARIMAX semantics and pmdarima's automatic
/// order selection, on the C core (`cn_arima.h`).
public struct ARIMAModel: Sendable, Equatable {
    public var p: Int
    public var d: Int
    public var q: Int
    public var intercept: Bool
    /// Constrained parameters in statsmodels' order: [intercept], ar, ma, sigma2.
    public var parameters: [Double]
    public var aic: Double

    public init(p: Int, d: Int, q: Int, intercept: Bool, parameters: [Double] = [], aic: Double = .nan) {
        self.p = p; self.d = d; self.q = q; self.intercept = intercept
        self.parameters = parameters; self.aic = aic
    }

    /// Number of parameters: intercept + p + q + sigma2.
    public var parameterCount: Int { (intercept ? 1 : 0) + p + q + 1 }

    var order: cn_arima_order { cn_arima_order(p: Int32(p), d: Int32(d), q: Int32(q), intercept: intercept ? 1 : 0) }

    /// `pmdarima.auto_arima(series)` with its defaults.
    /// - Throws: `NumericsError` for non-finite input or when every candidate fails.
    public static func autoFit(_ series: [Double]) throws -> ARIMAModel {
        guard !series.isEmpty else { throw NumericsError(routine: "cn_auto_arima", status: CN_ERR_ARGUMENT.rawValue) }
        var work = [Double](repeating: 0, count: cn_auto_arima_workspace_size(Int32(series.count)))
        var result = cn_auto_arima_result()
        let status = series.withUnsafeBufferPointer { y in
            work.withUnsafeMutableBufferPointer { w in
                cn_auto_arima(y.baseAddress, Int32(y.count), &result, w.baseAddress, w.count)
            }
        }
        try NumericsError.check(status, "cn_auto_arima")
        let o = result.order
        let model = ARIMAModel(p: Int(o.p), d: Int(o.d), q: Int(o.q), intercept: o.intercept != 0, parameters: [], aic: result.fit.aic)
        return model.with(fit: result.fit)
    }

    /// Fits this order from statsmodels' start parameters (50 L-BFGS iterations).
    public func fit(_ series: [Double]) throws -> ARIMAModel {
        var fresh = self
        fresh.parameters = []
        return try fresh.refit(series, maxIterations: 50)
    }

    /// statsmodels `SARIMAX.start_params` for this order.
    public func startParameters(_ series: [Double]) throws -> [Double] {
        var out = [Double](repeating: 0, count: parameterCount)
        try call("cn_arima_start_params", series, parameters: .ignored) { y, n, order, _, w, size in
            out.withUnsafeMutableBufferPointer { cn_arima_start_params(y, n, order, $0.baseAddress, w, size) }
        }
        return out
    }

    /// Exact Gaussian log-likelihood of `series` at `parameters`.
    public func loglike(_ series: [Double]) throws -> Double {
        var value = 0.0
        try call("cn_arima_loglike", series, parameters: .required) { y, n, order, params, w, size in
            cn_arima_loglike(y, n, order, params, &value, w, size)
        }
        return value
    }

    /// Refits this order on `series` starting from the current parameters
    /// (pmdarima's `ARIMA.update`), at most `maxIterations` L-BFGS iterations;
    /// with no parameters yet, from statsmodels' start parameters.
    public func refit(_ series: [Double], maxIterations: Int) throws -> ARIMAModel {
        var fit = cn_arima_fit_result()
        try call("cn_arima_fit", series, parameters: .optional) { y, n, order, start, w, size in
            cn_arima_fit(y, n, order, start, Int32(maxIterations), &fit, w, size)
        }
        return with(fit: fit)
    }

    /// Fits this order from statsmodels' start parameters with a stricter stop
    /// than scipy's (factr 10, pgtol 1e-10, at most `maxIterations`): the
    /// optimum itself, where `fit` may end wherever its 50 iterations run out
    /// on a flat likelihood. `converged` is false when a limit or a failed
    /// line search ended it (as on a likelihood that keeps rising towards the
    /// invertibility boundary).
    public func fitToOptimum(_ series: [Double], maxIterations: Int = 1000) throws -> (model: ARIMAModel, converged: Bool) {
        var fit = cn_arima_fit_result()
        var stop = cn_lbfgs_params()
        cn_lbfgs_params_init(&stop)
        stop.max_iterations = Int32(clamping: maxIterations)
        stop.factr = 10
        stop.pgtol = 1e-10
        var fresh = self
        fresh.parameters = []
        try fresh.call("cn_arima_fit_lbfgs", series, parameters: .ignored) { y, n, order, _, w, size in
            cn_arima_fit_lbfgs(y, n, order, nil, &stop, &fit, w, size)
        }
        return (fresh.with(fit: fit), fit.converged != 0)
    }

    /// One-step-ahead forecast of the level after `series`.
    public func forecast(after series: [Double]) throws -> Double {
        var value = 0.0
        try call("cn_arima_forecast", series, parameters: .required) { y, n, order, params, w, size in
            cn_arima_forecast(y, n, order, params, &value, w, size)
        }
        return value
    }

    private enum ParameterUse { case required, optional, ignored }

    /// Checks the input, lends the C routine the series, parameters (nil when
    /// absent) and a workspace, and turns its status into a thrown error.
    private func call(_ routine: String, _ series: [Double], parameters use: ParameterUse,
                      _ body: (UnsafePointer<Double>?, Int32, cn_arima_order, UnsafePointer<Double>?, UnsafeMutablePointer<Double>?, Int) -> Int32) throws {
        let parametersOK: Bool
        switch use {
        case .required: parametersOK = parameters.count == parameterCount
        case .optional: parametersOK = parameters.isEmpty || parameters.count == parameterCount
        case .ignored: parametersOK = true
        }
        guard !series.isEmpty, parametersOK else { throw NumericsError(routine: routine, status: CN_ERR_ARGUMENT.rawValue) }
        var work = [Double](repeating: 0, count: cn_arima_workspace_size(Int32(series.count)))
        let order = self.order
        let given = use == .ignored ? [] : parameters
        let status = series.withUnsafeBufferPointer { y in
            given.withUnsafeBufferPointer { p in
                work.withUnsafeMutableBufferPointer { w in
                    body(y.baseAddress, Int32(y.count), order, p.isEmpty ? nil : p.baseAddress, w.baseAddress, w.count)
                }
            }
        }
        try NumericsError.check(status, routine)
    }

    /// pmdarima `ndiffs(series)` (KPSS, alpha 0.05, max_d 2).
    public static func ndiffs(_ series: [Double]) throws -> Int {
        var work = [Double](repeating: 0, count: max(1, series.count))
        var d: Int32 = 0
        let status = series.withUnsafeBufferPointer { y in
            work.withUnsafeMutableBufferPointer { w in cn_kpss_ndiffs(y.baseAddress, Int32(y.count), 0.05, 2, &d, w.baseAddress, w.count) }
        }
        try NumericsError.check(status, "cn_kpss_ndiffs")
        return Int(d)
    }

    private func with(fit: cn_arima_fit_result) -> ARIMAModel {
        var copy = self
        let count = Int(cn_arima_param_count(order))
        copy.parameters = withUnsafeBytes(of: fit.params) { Array($0.bindMemory(to: Double.self).prefix(count)) }
        copy.aic = fit.aic
        return copy
    }
}
