/// Which per-interval load series a predictor is backtested on.
public enum LoadSeriesField: String, CaseIterable, Sendable {
    case requestCount = "request_count"
    case averageISL = "avg_isl"
    case averageOSL = "avg_osl"

    public func value(of metrics: IntervalMetrics) -> Double {
        switch self {
        case .requestCount: return Double(metrics.requestCount)
        case .averageISL: return metrics.averageISL
        case .averageOSL: return metrics.averageOSL
        }
    }
}

/// Forecast errors of a backtest.
public struct ForecastErrors: Equatable, Sendable {
    /// Mean absolute error over every step.
    public var mae: Double
    /// Mean absolute percentage error, in percent, over the steps whose actual
    /// value is not zero (a zero actual has no percentage error); 0 when there are none.
    public var mape: Double
    /// Root mean squared error over every step.
    public var rmse: Double
    /// Steps MAPE was taken over.
    public var mapeSteps: Int

    /// Errors of `predicted[k]` against `actual[k]` over the common length
    /// (all zero for empty input).
    public init(actual: [Double], predicted: [Double]) {
        let n = min(actual.count, predicted.count)
        var absSum = 0.0, squareSum = 0.0, percentSum = 0.0, nonZero = 0
        for k in 0..<n {
            let error = predicted[k] - actual[k]
            absSum += abs(error)
            squareSum += error * error
            if actual[k] != 0 {
                percentSum += abs(error) / abs(actual[k])
                nonZero += 1
            }
        }
        mae = n > 0 ? absSum / Double(n) : 0
        rmse = n > 0 ? (squareSum / Double(n)).squareRoot() : 0
        mape = nonZero > 0 ? 100 * percentSum / Double(nonZero) : 0
        mapeSteps = nonZero
    }
}

/// A rolling one-step-ahead backtest (docs/cli.md `planner predict`).
public struct BacktestResult: Equatable, Sendable {
    public var series: [Double]
    /// `predictions[k]` is the forecast made before `series[k]` was seen.
    public var predictions: [Double]
    public var errors: ForecastErrors
    /// Wall time of one `predictNext()` + `add()` pair, averaged over the run.
    public var secondsPerStep: Double
}

/// Runs `predictor` over `series` the way the planner uses it: for each k,
/// `predictNext()` (that is `predictions[k]`), then `add(series[k])`.
public func runBacktest(_ predictor: LoadPredictor, series: [Double]) -> BacktestResult {
    var predictions = [Double]()
    predictions.reserveCapacity(series.count)
    let clock = ContinuousClock()
    let elapsed = clock.measure {
        for value in series {
            predictions.append(predictor.predictNext())
            predictor.add(value)
        }
    }
    let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
    return BacktestResult(
        series: series,
        predictions: predictions,
        errors: ForecastErrors(actual: series, predicted: predictions),
        secondsPerStep: series.isEmpty ? 0 : seconds / Double(series.count)
    )
}
