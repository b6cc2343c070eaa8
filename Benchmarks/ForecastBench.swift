import Foundation
import PlannerCore
import PlannerNumerics

/// The project's own forecasters in the predictors suite (issue 13):
/// - Holt–Winters least-squares fit, ours vs statsmodels' ExponentialSmoothing
///   (trend add damped, seasonal add) on the same series in the same run;
/// - `auto` (all candidates) per interval over a 10,000-interval run, reported
///   as the mean step cost over the whole run and over its last 1,000 steps
///   (histories of 9,000–10,000 points). Target: ≤ 1 ms per interval.
enum ForecastBench {
    /// A diurnal count-like series: 1440 intervals per day, mean 200, ±60 %, jagged.
    static func diurnal(_ n: Int) -> [Double] {
        (0..<n).map { (i: Int) -> Double in
            let day: Double = sin(2 * Double.pi * (Double(i) / 1440 - 0.25))
            return (200 * (1 + 0.6 * day) + Double((i * 7919) % 29) - 14).rounded()
        }
    }
    static let diurnalFormula = "round(200 * (1 + 0.6 * math.sin(2 * math.pi * (i / 1440 - 0.25))) + (i * 7919) % 29 - 14)"

    static func run(_ context: BenchContext) throws {
        try holtWintersFit(context)
        auto(context)
    }

    static func holtWintersFit(_ context: BenchContext) throws {
        let sizes = context.quick ? [480] : [480, 2880]
        let period = 48
        var reference: [Int: Double] = [:]
        let script = """
        import math, sys, time, warnings
        warnings.filterwarnings("ignore")
        from statsmodels.tsa.holtwinters import ExponentialSmoothing
        from statsmodels.tsa.exponential_smoothing.initialization import _initialization_simple
        for n in map(int, sys.argv[1:]):
            y = [\(diurnalFormula.replacingOccurrences(of: "1440", with: "\(period)")) for i in range(n)]
            l0, b0, s0 = _initialization_simple(y, trend="add", seasonal="add", seasonal_periods=\(period))
            best = float("inf")
            for _ in range(3):
                t = time.perf_counter()
                ExponentialSmoothing(y, trend="add", damped_trend=True, seasonal="add", seasonal_periods=\(period),
                                     initialization_method="known", initial_level=l0, initial_trend=b0,
                                     initial_seasonal=s0).fit()
                best = min(best, time.perf_counter() - t)
            print(n, best)
        """
        if let out = try context.runPython(["-c", script] + sizes.map(String.init)) {
            for line in out.split(separator: "\n") {
                let parts = line.split(separator: " ")
                if parts.count == 2, let n = Int(parts[0]), let t = Double(parts[1]) { reference[n] = t }
            }
        }
        let spec = HoltWinters.Spec(trend: true, damped: true, period: period)
        var workspace: [Double] = []
        for n in sizes {
            let y = diurnal(n).enumerated().map { i, _ in
                (200 * (1 + 0.6 * sin(2 * Double.pi * (Double(i) / Double(period) - 0.25))) + Double((i * 7919) % 29) - 14).rounded()
            }
            let initial = try HoltWinters.simpleInitialState(spec, series: y)
            let time = try context.time(repeats: 5) {
                _ = try HoltWinters.fit(spec, series: y, initial: initial, workspace: &workspace)
            }
            context.report("holt-winters fit (add damped, season \(period)) n=\(n)", ours: time, reference: reference[n])
        }
        if reference.isEmpty { print("holt-winters: no --python given, statsmodels not timed") }
    }

    static func auto(_ context: BenchContext) {
        let steps = context.quick ? 2_000 : 10_000
        let values = diurnal(steps)
        var c = LoadPredictorConfiguration()
        c.kind = .auto
        c.seasonalPeriod = 1440
        let auto = AutoPredictor(configuration: c)
        let clock = ContinuousClock()
        var perStep = [Double](repeating: 0, count: steps)
        var sink = 0.0
        for (k, v) in values.enumerated() {
            let d = clock.measure {
                sink += auto.predictNext()
                auto.add(v)
            }
            perStep[k] = Double(d.components.attoseconds) * 1e-18 + Double(d.components.seconds)
        }
        let tail = min(1_000, steps)
        let mean = perStep.reduce(0, +) / Double(steps)
        let tailMean = perStep.suffix(tail).reduce(0, +) / Double(tail)
        let worst = perStep.max() ?? 0
        context.report("auto (seasonal, arima, kalman, constant) per interval, \(steps) intervals", ours: mean, reference: nil)
        context.report("auto per interval, histories \(steps - tail)–\(steps)", ours: tailMean, reference: nil)
        print("auto slowest single interval (a refit): \(BenchContext.format(worst))")
        let met = max(mean, tailMean) <= 1e-3
        print("auto target ≤ 1 ms per interval up to \(steps) points: \(met ? "met" : "NOT met")")
        if sink.isNaN { print("unreachable") }
    }
}
