import Foundation
import PlannerNumerics

/// ARIMA part of the predictors suite (issue 4): auto-ARIMA first fit and
/// update+forecast per step on series of 20, 60, 200 and 1,000 points, side by
/// side with pmdarima (auto_arima, then ARIMA.update + predict(1)) on the same
/// series in the same run. Targets: first fit ≥ 50×, update+forecast ≥ 100×.
enum ARIMABench {
    static func run(_ context: BenchContext) throws {
        let sizes = context.quick ? [20, 60] : [20, 60, 200, 1000]
        let updateSteps = context.quick ? 5 : 20
        let reference = try pmdarimaTimes(context, sizes: sizes, updateSteps: updateSteps)
        for n in sizes {
            let all = PredictorsSuite.series(n + updateSteps)
            let y = Array(all.prefix(n))
            var model = try ARIMAModel.autoFit(y)
            let fitTime = try context.time(repeats: n >= 1000 ? 2 : 5) { model = try ARIMAModel.autoFit(y) }
            // Warm refits as ARIMAPredictor does after each new point: max(5, 1/10) = 5 iterations.
            let updateTime = try context.time(repeats: 3) {
                var m = model
                var series = y
                var sink = 0.0
                for v in all.suffix(updateSteps) {
                    series.append(v)
                    m = try m.refit(series, maxIterations: 5)
                    sink += try m.forecast(after: series)
                }
                if sink.isNaN { print("") }
            } / Double(updateSteps)
            let ref = reference[n]
            let order = "(\(model.p),\(model.d),\(model.q))\(model.intercept ? "+c" : "")"
            let refOrder = ref.map { " vs pmdarima \($0.order)" } ?? ""
            print("arima n=\(n): order \(order)\(refOrder)")
            context.report("arima first fit n=\(n)", ours: fitTime, reference: ref?.fit)
            context.report("arima update+forecast per step n=\(n)", ours: updateTime, reference: ref?.update)
            if let ref {
                let fitRatio = ref.fit / fitTime, updateRatio = ref.update / updateTime
                print(String(format: "arima n=%d targets: fit %.0f× (≥ 50× %@), update %.0f× (≥ 100× %@)", n,
                             fitRatio, fitRatio >= 50 ? "met" : "NOT met", updateRatio, updateRatio >= 100 ? "met" : "NOT met"))
            }
        }
        if reference.isEmpty { print("arima: no --python given, pmdarima not timed") }
    }

    private struct Reference { var fit: Double, update: Double, order: String }

    private static func pmdarimaTimes(_ context: BenchContext, sizes: [Int], updateSteps: Int) throws -> [Int: Reference] {
        let script = """
        import json, math, sys, time, warnings
        warnings.filterwarnings("ignore")
        import pmdarima
        steps = int(sys.argv[1]); out = {}
        for n in map(int, sys.argv[2:]):
            allv = [\(PredictorsSuite.seriesFormula.replacingOccurrences(of: "sin(", with: "math.sin(")) for i in range(n + steps)]
            y = allv[:n]
            best = float("inf")
            for _ in range(1 if n >= 200 else 3):
                t = time.perf_counter(); m = pmdarima.auto_arima(y, suppress_warnings=True, error_action="ignore")
                best = min(best, time.perf_counter() - t)
            t = time.perf_counter()
            for v in allv[n:]:
                m.update([v]); m.predict(n_periods=1)
            upd = (time.perf_counter() - t) / steps
            p, d, q = m.order
            out[n] = {"fit": best, "update": upd, "order": "(%d,%d,%d)%s" % (p, d, q, "+c" if m.with_intercept else "")}
        print(json.dumps(out))
        """
        guard let text = try context.runPython(["-c", script, String(updateSteps)] + sizes.map(String.init)),
              let data = text.split(separator: "\n").last.map({ Data($0.utf8) }),
              let object = try? JSONSerialization.jsonObject(with: data) as? [String: [String: Any]] else { return [:] }
        var result: [Int: Reference] = [:]
        for (key, row) in object {
            if let n = Int(key), let fit = row["fit"] as? Double, let update = row["update"] as? Double {
                result[n] = Reference(fit: fit, update: update, order: row["order"] as? String ?? "?")
            }
        }
        return result
    }
}
