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
        var work = [Double](repeating: 0, count: cn_arima_workspace_size(Int32(series.count)))
        var out = [Double](repeating: 0, count: parameterCount)
        let order = self.order
        let status = series.withUnsafeBufferPointer { y in
            out.withUnsafeMutableBufferPointer { o in
                work.withUnsafeMutableBufferPointer { w in
                    cn_arima_start_params(y.baseAddress, Int32(y.count), order, o.baseAddress, w.baseAddress, w.count)
                }
            }
        }
        try NumericsError.check(status, "cn_arima_start_params")
        return out
    }

    /// Exact Gaussian log-likelihood of `series` at `parameters`.
    public func loglike(_ series: [Double]) throws -> Double {
        guard parameters.count == parameterCount, !series.isEmpty else { throw NumericsError(routine: "cn_arima_loglike", status: CN_ERR_ARGUMENT.rawValue) }
        var work = [Double](repeating: 0, count: cn_arima_workspace_size(Int32(series.count)))
        var value = 0.0
        let order = self.order
        let status = series.withUnsafeBufferPointer { y in
            parameters.withUnsafeBufferPointer { params in
                work.withUnsafeMutableBufferPointer { w in
                    cn_arima_loglike(y.baseAddress, Int32(y.count), order, params.baseAddress, &value, w.baseAddress, w.count)
                }
            }
        }
        try NumericsError.check(status, "cn_arima_loglike")
        return value
    }

    /// Refits this order on `series` starting from the current parameters
    /// (pmdarima's `ARIMA.update`), at most `maxIterations` L-BFGS iterations;
    /// with no parameters yet, from statsmodels' start parameters.
    public func refit(_ series: [Double], maxIterations: Int) throws -> ARIMAModel {
        guard parameters.isEmpty || parameters.count == parameterCount, !series.isEmpty else {
            throw NumericsError(routine: "cn_arima_fit", status: CN_ERR_ARGUMENT.rawValue)
        }
        var work = [Double](repeating: 0, count: cn_arima_workspace_size(Int32(series.count)))
        var fit = cn_arima_fit_result()
        let order = self.order
        let status = series.withUnsafeBufferPointer { y in
            parameters.withUnsafeBufferPointer { start in
                work.withUnsafeMutableBufferPointer { w in
                    cn_arima_fit(y.baseAddress, Int32(y.count), order, start.isEmpty ? nil : start.baseAddress,
                                 Int32(maxIterations), &fit, w.baseAddress, w.count)
                }
            }
        }
        try NumericsError.check(status, "cn_arima_fit")
        return with(fit: fit)
    }

    /// One-step-ahead forecast of the level after `series`.
    public func forecast(after series: [Double]) throws -> Double {
        guard parameters.count == parameterCount, !series.isEmpty else {
            throw NumericsError(routine: "cn_arima_forecast", status: CN_ERR_ARGUMENT.rawValue)
        }
        var work = [Double](repeating: 0, count: cn_arima_workspace_size(Int32(series.count)))
        var value = 0.0
        let order = self.order
        let status = series.withUnsafeBufferPointer { y in
            parameters.withUnsafeBufferPointer { params in
                work.withUnsafeMutableBufferPointer { w in
                    cn_arima_forecast(y.baseAddress, Int32(y.count), order, params.baseAddress, &value, w.baseAddress, w.count)
                }
            }
        }
        try NumericsError.check(status, "cn_arima_forecast")
        return value
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
