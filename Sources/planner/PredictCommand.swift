import ArgumentParser
import Foundation
import PlannerCore
import PlannerIO

extension LoadSeriesField: ExpressibleByArgument {}

struct PredictCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "predict",
        abstract: "Backtest a load predictor on a trace, one step ahead.",
        discussion: """
        For each interval k: predictNext() (the forecast for k), then add(series[k]). \
        Prints MAE, MAPE (percent, over the intervals whose actual value is not zero), \
        RMSE and the time per step. The predictor flags are those of `dryrun` and `run`.
        """
    )

    @Option(help: "Trace: a file, directory or glob of Mooncake JSONL (.jsonl, .jsonl.gz), Dynamo trace v1, or Azure CSV.")
    var dataset: String

    @Option(help: "Seconds per interval.")
    var adjustmentInterval: Int = 180

    @Option(help: "Series to forecast: request_count, avg_isl or avg_osl.")
    var field: LoadSeriesField = .requestCount

    @Option(help: "Write series, predictions and errors as JSON to this file.")
    var outputJson: String?

    @OptionGroup var predictor: PredictorOptions

    func validate() throws {
        try NumericFlag.check("--adjustment-interval", adjustmentInterval, PlannerLimits.intervalSeconds)
        try predictor.checkSeason(intervalSeconds: adjustmentInterval)
        if predictor.loadPredictor == .oracle {
            throw ValidationError("--load-predictor oracle knows the future load: it runs in dryrun and replay only, not in predict")
        }
    }

    func run() async throws {
        // An unwritable output fails before the backtest, with the reason.
        if let outputJson { try OutputPath.checkWritable(outputJson, what: "predict JSON") }
        let intervals = try TraceReader.extractIntervals(from: dataset, intervalSeconds: adjustmentInterval)
        let series = intervals.map(field.value(of:))
        // Mean forecasts: --forecast-quantile and --forecast-headroom size workers, they are not forecasts.
        let model = makeLoadPredictor(predictor.configuration(intervalSeconds: adjustmentInterval))
        let result = runBacktest(model, series: series)

        let e = result.errors
        print("\(predictor.loadPredictor.rawValue)\(predictor.loadPredictorLog1p ? " (log1p)" : "") on \(field.rawValue), \(series.count) intervals of \(adjustmentInterval) s")
        print(String(format: "MAE   %.6g", e.mae))
        print(e.mapeSteps > 0 ? String(format: "MAPE  %.4g %% (over %d non-zero intervals)", e.mape, e.mapeSteps) : "MAPE  n/a (no non-zero intervals)")
        print(String(format: "RMSE  %.6g", e.rmse))
        print("time  \(Self.formatSeconds(result.secondsPerStep)) per step")

        if let outputJson {
            try OutputPath.write(Data(Self.json(result, field: field).utf8), to: outputJson, what: "predict JSON")
            print("wrote \(outputJson)")
        }
    }

    /// docs/cli.md's key order; non-finite numbers (never produced by the
    /// predictors, but a trace could hold them) become null to keep the JSON valid.
    static func json(_ result: BacktestResult, field: LoadSeriesField) -> String {
        func number(_ x: Double) -> String { NumberText.json(x) }
        func array(_ xs: [Double]) -> String { NumberText.jsonArray(xs) }
        return """
        {"field": "\(field.rawValue)", "series": \(array(result.series)), \
        "predictions": \(array(result.predictions)), "mae": \(number(result.errors.mae)), \
        "mape": \(number(result.errors.mape)), "rmse": \(number(result.errors.rmse)), \
        "seconds_per_step": \(number(result.secondsPerStep))}

        """
    }

    static func formatSeconds(_ s: Double) -> String {
        if s < 1e-6 { return String(format: "%.1f ns", s * 1e9) }
        if s < 1e-3 { return String(format: "%.2f µs", s * 1e6) }
        if s < 1 { return String(format: "%.2f ms", s * 1e3) }
        return String(format: "%.3f s", s)
    }
}
