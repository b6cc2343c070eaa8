import Logging

/// `--load-predictor oracle` (dryrun and replay only): forecasts the load the
/// next interval will really have — the bound on what any forecaster can do.
///
/// It is given the trace's series up front; its k-th forecast (after k `add`
/// calls) is `future[k]` (NaN as 0, never negative). The series starts after
/// any warm-up: `resetIdleSkip()`, which ends a warm-up, rewinds it. Past the
/// end of the series, or built without one, it forecasts the last value it was
/// given (logged once), like `constant`.
public final class OraclePredictor: LoadPredictor {
    private static let logger = Logger(label: "planner.predictor.oracle")
    private let future: [Double]
    private var cursor = 0
    private var lastValue = 0.0
    private var warned = false

    public init(future: [Double]) { self.future = future }

    public func add(_ value: Double) {
        cursor += 1
        if value.isFinite { lastValue = max(0, value) } else if value.isNaN { lastValue = 0 }
    }

    public func predictNext() -> Double {
        if cursor < future.count {
            let v = future[cursor]
            return v.isFinite ? max(0, v) : 0
        }
        if !warned {
            Self.logger.warning("oracle: no true load known for interval \(cursor); forecasting the last value")
            warned = true
        }
        return lastValue
    }

    public func resetIdleSkip() { cursor = 0 }
}
