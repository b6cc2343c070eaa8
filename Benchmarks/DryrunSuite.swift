import Foundation
import PlannerCore
import PlannerIO

/// The dryrun (issue 6): planner decisions per second, and the end-to-end
/// dryrun of the Mooncake conversation trace at 10 s, 60 s and 180 s, side by
/// side with `ref_planner.py dryrun` on the same inputs when --python is given.
enum DryrunSuite {
    static let trace = "data/traces/mooncake_conversation.jsonl"
    static let profileDirectory = "data/profiles/h200_llama8b_tp1"

    static func settings(interval: Int) -> PlannerSettings {
        var s = PlannerSettings()
        s.intervalSeconds = interval
        s.ttftMilliseconds = 600
        s.itlMilliseconds = 20
        s.maxGPUBudget = 16
        s.correctionEnabled = false
        return s
    }

    static func configuration(_ kind: LoadPredictorKind) -> LoadPredictorConfiguration {
        var c = LoadPredictorConfiguration()
        c.kind = kind
        return c
    }

    static func run(_ context: BenchContext) throws {
        try decisionsPerSecond(context)
        try endToEnd(context)
    }

    /// Predict + decide + observe per interval, with the trace and profile
    /// already in memory and the interpolators built: the live loop's cost per decision.
    static func decisionsPerSecond(_ context: BenchContext) throws {
        let profile = try ProfileLoader.load(directory: profileDirectory)
        let intervals = try TraceReader.extractIntervals(from: trace, intervalSeconds: 10)
        let s = settings(interval: 10)
        let prefill = try PrefillInterpolator(profile: profile.prefill)
        let decode = try DecodeInterpolator(profile: profile.decode)
        for kind in [LoadPredictorKind.kalman, .arima] {
            let repeats = kind == .arima ? 1 : (context.quick ? 5 : 50)
            var decisions = 0
            let seconds = try context.time(repeats: kind == .arima ? 1 : 3) {
                for _ in 0..<repeats {
                    let engine = try PlannerDecisionEngine(settings: s, prefillInterpolator: prefill, decodeInterpolator: decode,
                                                           predictor: configuration(kind))
                    let r = try DryrunLoop.run(intervals: intervals, engine: engine, predictor: kind)
                    decisions = r.series.count - 1
                }
            } / Double(repeats)
            print(String(format: "decisions per second, %@ (%d decisions over a %d-interval history, 10 s): %.0f/s (%@ each)",
                         kind.rawValue, decisions, intervals.count, Double(decisions) / seconds,
                         BenchContext.format(seconds / Double(max(1, decisions)))))
        }
    }

    /// What `planner dryrun` does minus printing: read the trace, load the
    /// profile, build the interpolators, replay, render the JSON and the SVG.
    static func endToEnd(_ context: BenchContext) throws {
        let kinds: [LoadPredictorKind] = [.constant, .kalman, .arima]
        for interval in context.quick ? [60, 180] : [10, 60, 180] {
            for kind in kinds {
                var n = 0
                let ours = try context.time(repeats: kind == .arima ? 1 : 3) {
                    let profile = try ProfileLoader.load(directory: profileDirectory)
                    let engine = try PlannerDecisionEngine(settings: settings(interval: interval), profile: profile,
                                                           predictor: configuration(kind))
                    let intervals = try TraceReader.extractIntervals(from: trace, intervalSeconds: interval)
                    let r = try DryrunLoop.run(intervals: intervals, engine: engine, predictor: kind)
                    n = r.series.count
                    _ = DryrunReport.json(r)
                    _ = DryrunChart.svg(r)
                }
                let reference = try referenceSeconds(context, interval: interval, kind: kind)
                context.report("dryrun \(interval) s, \(kind.rawValue) (\(n) intervals)", ours: ours, reference: reference)
            }
        }
    }

    /// The reference's own timing of the same run (its `wall_seconds`: from
    /// after start-up to the end of the replay, so Python's start-up is not counted).
    static func referenceSeconds(_ context: BenchContext, interval: Int, kind: LoadPredictorKind) throws -> Double? {
        guard let out = try context.runPython([
            context.reference, "dryrun", trace, profileDirectory, String(interval), "--load-predictor", kind.rawValue,
            "--ttft", "600", "--itl", "20", "--max-gpu-budget", "16",
        ]) else { return nil }
        guard let object = try? JSONSerialization.jsonObject(with: Data(out.utf8)) as? [String: Any],
              let wall = object["wall_seconds"] as? Double else {
            print("  (reference run failed for \(interval) s \(kind.rawValue))")
            return nil
        }
        return wall
    }
}
