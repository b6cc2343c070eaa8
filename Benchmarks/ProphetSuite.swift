import Foundation
import PlannerCore

/// Prophet predictor: one planner step (add + refit on the window + forecast)
/// for windows of 50, 500 and 5,000 points at 60 s, beside prophet 1.5 fitting
/// and forecasting the same window in the same run (issue 5). The 5,000-point
/// window spans 3.5 days, so the daily seasonality is on for both sides; from
/// 100 points both fit with L-BFGS, below with Newton.
enum ProphetSuite {
    static let intervalSeconds = 60

    /// Requests per minute: a daily cycle, a slow trend and a jagged term (deterministic).
    static func series(_ n: Int) -> [Double] {
        (0..<n).map { i in
            let day = Double(i * intervalSeconds) / 86_400
            return 200 + 80 * sin(2 * Double.pi * day) + 0.01 * Double(i) + Double((i * 7919) % 13)
        }
    }

    static func run(_ context: BenchContext) throws {
        let windows = context.quick ? [50, 500] : [50, 500, 5_000]
        var ours: [Int: Double] = [:]
        for w in windows {
            let steps = w >= 5_000 ? 5 : (w >= 500 ? 20 : 100)
            let values = series(w + steps)
            var configuration = LoadPredictorConfiguration()
            configuration.kind = .prophet
            configuration.prophetWindowSize = w
            configuration.intervalSeconds = intervalSeconds
            ours[w] = bestPerStep(context, w: w, steps: steps, configuration: configuration, values: values)
        }
        let reference = try prophetTimes(context, windows: windows)
        for w in windows {
            context.report("prophet fit+forecast per step, window \(w)", ours: ours[w] ?? .nan, reference: reference[w])
        }
    }

    /// Best per-step time over three runs of `steps` rolling steps on a full window.
    private static func bestPerStep(_ context: BenchContext, w: Int, steps: Int,
                                    configuration: LoadPredictorConfiguration, values: [Double]) -> Double {
        var best = Double.infinity
        for _ in 0..<3 {
            let p = makeLoadPredictor(configuration)
            for v in values.prefix(w) { p.add(v) }
            let start = DispatchTime.now().uptimeNanoseconds
            var sink = 0.0
            for v in values.suffix(steps) { p.add(v); sink += p.predictNext() }
            let elapsed = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
            if sink.isNaN { print("non-finite forecast") }
            best = min(best, elapsed / Double(steps))
        }
        return best
    }

    /// prophet's fit + one-row predict on the same windows (best of a few), nil without --python.
    private static func prophetTimes(_ context: BenchContext, windows: [Int]) throws -> [Int: Double] {
        guard context.python != nil else { return [:] }
        var payload: [String: [Double]] = [:]
        for w in windows { payload[String(w)] = series(w) }
        let input = URL(fileURLWithPath: context.scratchDirectory).appendingPathComponent("prophet-windows.json")
        try JSONSerialization.data(withJSONObject: ["interval": intervalSeconds, "series": payload]).write(to: input)
        let script = """
        import json, sys, time, logging
        from datetime import datetime, timedelta
        logging.disable(logging.WARNING)
        import pandas as pd
        from prophet import Prophet
        d = json.load(open(sys.argv[1])); iv = d["interval"]; t0 = datetime(2024, 1, 1); out = {}
        for name, ys in d["series"].items():
            df = pd.DataFrame({"ds": [t0 + timedelta(seconds=i * iv) for i in range(len(ys))], "y": ys})
            nxt = pd.DataFrame({"ds": [t0 + timedelta(seconds=len(ys) * iv)]})
            best = float("inf")
            for _ in range(2 if len(ys) >= 5000 else 5):
                s = time.perf_counter(); m = Prophet(); m.fit(df); m.predict(nxt)
                best = min(best, time.perf_counter() - s)
            out[name] = best
        print(json.dumps(out))
        """
        guard let text = try context.runPython(["-c", script, input.path]),
              let line = text.split(separator: "\n").last,
              let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Double]
        else {
            print("prophet timing unavailable (is prophet installed for \(context.python ?? "")?)")
            return [:]
        }
        var result: [Int: Double] = [:]
        for (k, v) in object { if let w = Int(k) { result[w] = v } }
        return result
    }
}
