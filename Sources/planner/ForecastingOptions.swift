import ArgumentParser
import PlannerCore


/// The project's forecasting flags beyond Dynamo's (docs/planning.md): ARIMA
/// order re-selection, the seasonal model, `auto`, quantile sizing. Part of
/// `PredictorOptions`, so `predict`, `dryrun` and `run` share them.
struct ForecastingOptions: ParsableArguments {
    @Flag(inversion: .prefixedNo, help: "ARIMA: re-select the order at 5, 10, 20, 40, … points and every --arima-reselect-every after (default: on for auto only; off is Dynamo's behaviour).")
    var arimaReselect: Bool?

    @Option(help: "ARIMA: points between order re-selections once the doubling reaches it.")
    var arimaReselectEvery: Int = 200

    @Option(help: "seasonal/auto: season length, in intervals (1440) or as a duration (86400s, 24h, 1d); 0 for none.")
    var seasonalPeriod: String = "1d"

    @Option(help: "seasonal: refit the smoothing weights every this many points (after 10, 20, 40, …).")
    var seasonalRefitEvery: Int = 100

    @Option(help: "auto: intervals of recent loss each candidate is judged on.")
    var autoWindow: Int = 30

    @Option(help: "auto: loss per unit of under-forecast load.")
    var autoUnderWeight: Double = 2.0

    @Option(help: "auto: loss per unit of over-forecast load.")
    var autoOverWeight: Double = 1.0

    @Option(help: "auto: average the forecasts of this many lowest-loss candidates (1: the best alone).")
    var autoCombine: Int = 1

    @Option(help: "Size workers for this quantile (0 < q < 1) of the next interval's request count, or 'mean' (default: 0.9 for auto, the mean for the others).")
    var forecastQuantile: String?

    @Option(help: "Residuals (intervals) the forecast quantile is measured over.")
    var quantileWindow: Int = 200

    @Option(help: "Multiply the request-count forecast by this factor (0.1 to 10; default: 1.3 for auto, 1 — Dynamo's behaviour — for the others).")
    var forecastHeadroom: Double?

    @Option(help: "Decode pool: multiply its request-count forecast by this factor instead of --forecast-headroom's (0.1 to 10; default: 1.15 for auto, the same factor for the others).")
    var decodeHeadroom: Double?

    @Option(help: "SLA feedback: scale each pool's request count up when fewer of the last interval's requests than this fraction (0.5 to 0.99999) met its SLA (TTFT for prefill, ITL for decode), down slowly when comfortably met; 'off' for none (default: 0.99 for auto when the metrics report attainment, as the replay's do; off for the others).")
    var targetAttainment: String?

    @Flag(inversion: .prefixedNo, help: "Shrink a pool only when two decisions in a row ask for fewer workers (default: on for auto, off for the others).")
    var holdScaleDown: Bool?

    func validate() throws {
        for (flag, value, low) in [
            ("--arima-reselect-every", arimaReselectEvery, 1), ("--seasonal-refit-every", seasonalRefitEvery, 1),
            ("--auto-window", autoWindow, 1), ("--quantile-window", quantileWindow, QuantileForecaster.minimumResiduals),
        ] where !(low...1_000_000).contains(value) {
            throw ValidationError("\(flag) must be between \(low) and 1000000 (got \(value))")
        }
        for (flag, value) in [("--auto-under-weight", autoUnderWeight), ("--auto-over-weight", autoOverWeight)]
        where !(value.isFinite && value >= 0 && value <= 1e6) {
            throw ValidationError("\(flag) must be a finite number between 0 and 1e6 (got \(value))")
        }
        if autoUnderWeight == 0 && autoOverWeight == 0 {
            throw ValidationError("--auto-under-weight and --auto-over-weight cannot both be 0")
        }
        _ = try quantile()
        for (flag, value) in [("--forecast-headroom", forecastHeadroom), ("--decode-headroom", decodeHeadroom)] {
            if let value { try NumericFlag.check(flag, value, Self.headroomLimits) }
        }
        _ = try SeasonalPeriod.parse(seasonalPeriod)
        _ = try attainmentTarget()
        try NumericFlag.check("--auto-combine", autoCombine, IntegerLimits(1...AutoPredictor.candidateKinds.count, unit: "candidates"))
    }

    static let headroomLimits = RealLimits(lowerBound: 0.1, includesLowerBound: true, upperBound: 10, unit: "factor")
    static let attainmentLimits = RealLimits(lowerBound: 0.5, includesLowerBound: true, upperBound: 0.99999)

    /// --target-attainment: nil when not given, .nan for "off", else the fraction.
    func attainmentTarget() throws -> Double? {
        guard let text = targetAttainment else { return nil }
        if text.lowercased() == "off" { return .nan }
        guard let value = Double(text.trimmingCharacters(in: .whitespaces)) else {
            throw ValidationError("--target-attainment must be 'off' or \(Self.attainmentLimits.expected) (got `\(text)`)")
        }
        try NumericFlag.check("--target-attainment", value, Self.attainmentLimits)
        return value
    }

    /// --forecast-quantile: nil when not given, .nan for "mean", else q in (0, 1).
    func quantile() throws -> Double? {
        guard let text = forecastQuantile else { return nil }
        if text.lowercased() == "mean" { return .nan }
        guard let q = Double(text), q.isFinite, q > 0, q < 1 else {
            throw ValidationError("--forecast-quantile must be 'mean' or a number strictly between 0 and 1 (got \(text))")
        }
        return q
    }

    /// The season in intervals of `intervalSeconds`; a `ValidationError` when a
    /// duration is shorter than two intervals. Commands call it from `validate()`.
    func seasonalIntervals(intervalSeconds: Int) throws -> Int {
        try SeasonalPeriod.parse(seasonalPeriod).intervals(intervalSeconds: intervalSeconds)
    }

    /// The season must hold at least two intervals when one of `kinds` uses it.
    func checkSeason(kinds: [LoadPredictorKind], intervalSeconds: Int) throws {
        guard kinds.contains(where: { [.seasonal, .auto].contains($0) }) else { return }
        _ = try seasonalIntervals(intervalSeconds: intervalSeconds)
    }

    /// Writes these flags into `c` (the season already checked by `seasonalIntervals`;
    /// an unusable one here means no season).
    func apply(to c: inout LoadPredictorConfiguration, intervalSeconds: Int) {
        c.arimaReselect = arimaReselect
        c.arimaReselectEvery = arimaReselectEvery
        c.seasonalPeriod = (try? seasonalIntervals(intervalSeconds: intervalSeconds)) ?? 0
        c.seasonalRefitEvery = seasonalRefitEvery
        c.autoWindow = autoWindow
        c.autoUnderWeight = autoUnderWeight
        c.autoOverWeight = autoOverWeight
        c.autoCombine = autoCombine
        let q = (try? quantile()) ?? nil
        c.meanForecast = q?.isNaN ?? false
        c.forecastQuantile = q.flatMap { $0.isNaN ? nil : $0 }
        c.quantileWindow = quantileWindow
        c.forecastHeadroom = forecastHeadroom
        c.decodeHeadroom = decodeHeadroom
        let t = (try? attainmentTarget()) ?? nil
        c.noTargetAttainment = t?.isNaN ?? false
        c.targetAttainment = t.flatMap { $0.isNaN ? nil : $0 }
        c.holdScaleDown = holdScaleDown
    }
}
