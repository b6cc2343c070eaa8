import Foundation
import PlannerCore

/// Load predictors: per-step cost of the planner's predictNext() + add(),
/// side by side with the reference's libraries in the same run (issue 4).
enum PredictorsSuite {
    static func run(_ context: BenchContext) throws {
        try kalman(context)

        // ---- ARIMA (its own file, ARIMABench.swift, owned by the ARIMA work) ----
        try ARIMABench.run(context)
        // ---- end ARIMA ----
        try ForecastBench.run(context)
    }

    /// The same deterministic series on both sides: a cycle plus a jagged term.
    static let seriesFormula = "100 + 20 * sin(i / 10) + (i * 7919) % 13"
    static func series(_ n: Int) -> [Double] {
        (0..<n).map { (i: Int) -> Double in
            let cycle: Double = 20 * sin(Double(i) / 10)
            return 100 + cycle + Double((i * 7919) % 13)
        }
    }

    /// Kalman add+forecast per step: KalmanPredictor (concrete type, and through
    /// the LoadPredictor existential as the planner holds it) vs filterpy's
    /// KalmanFilter doing predict() + update() with the same matrices. The
    /// Python loop leaves out the reference planner's bookkeeping, so the ratio
    /// is if anything in filterpy's favour.
    static func kalman(_ context: BenchContext) throws {
        let steps = context.quick ? 20_000 : 1_000_000
        let values = series(steps)
        var sink = 0.0
        var configuration = LoadPredictorConfiguration()
        configuration.kind = .kalman

        let concrete = context.time(repeats: 5) {
            let k = KalmanPredictor(configuration: configuration)
            for v in values { sink += k.predictNext(); k.add(v) }
        } / Double(steps)
        let existential = context.time(repeats: 5) {
            let k: LoadPredictor = makeLoadPredictor(configuration)
            for v in values { sink += k.predictNext(); k.add(v) }
        } / Double(steps)
        configuration.log1p = true
        let log1p = context.time(repeats: 5) {
            let k = KalmanPredictor(configuration: configuration)
            for v in values { sink += k.predictNext(); k.add(v) }
        } / Double(steps)

        let pythonSteps = context.quick ? 2_000 : 20_000
        let script = """
        import math, sys, time
        import numpy as np
        from filterpy.kalman import KalmanFilter
        n = int(sys.argv[1])
        series = [\(seriesFormula.replacingOccurrences(of: "sin(", with: "math.sin(")) for i in range(n)]
        best = float("inf")
        for _ in range(3):
            kf = KalmanFilter(dim_x=2, dim_z=1)
            kf.F = np.array([[1.0, 1.0], [0.0, 1.0]]); kf.H = np.array([[1.0, 0.0]])
            kf.P *= 1000.0; kf.R = np.array([[10.0]]); kf.Q = np.array([[1.0, 0.0], [0.0, 0.1]])
            kf.x = np.array([[series[0]], [0.0]])
            t = time.perf_counter()
            for z in series[1:]:
                kf.predict(); level = float(kf.x[0][0])
                kf.update(np.array([[z]]))
            best = min(best, (time.perf_counter() - t) / (n - 1))
        print(best)
        """
        let reference = try context.runPython(["-c", script, String(pythonSteps)])
            .flatMap { Double($0.trimmingCharacters(in: .whitespacesAndNewlines)) }

        context.report("kalman add+forecast per step (\(steps) steps)", ours: concrete, reference: reference)
        context.report("kalman add+forecast per step, via LoadPredictor", ours: existential, reference: reference)
        context.report("kalman add+forecast per step, log1p", ours: log1p, reference: reference)
        if let reference {
            let ratio = reference / concrete
            print(String(format: "kalman target ≥ 1000× filterpy: %.0f× — %@", ratio, ratio >= 1000 ? "met" : "NOT met"))
        } else {
            print("kalman: no --python given, filterpy not timed")
        }
        if sink.isNaN { print("unreachable: \(sink)") }
    }
}
