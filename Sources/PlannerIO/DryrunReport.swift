import Foundation
import PlannerCore

/// The dryrun's machine-readable and one-screen outputs (docs/cli.md `planner dryrun`).
public enum DryrunReport {
    /// The `--output-json` document, keys in the order docs/cli.md lists them.
    /// Counts are written as integers; non-finite numbers (never expected) as null
    /// so the file stays valid JSON.
    public static func json(_ result: DryrunResult) -> String {
        let s = result.series
        var out = "{"
        out += "\"adjustment_interval\": \(result.settings.intervalSeconds), "
        out += "\"mode\": \"\(result.settings.mode.rawValue)\", "
        out += "\"load_predictor\": \"\(result.predictor.rawValue)\",\n"
        let fields: [(String, String)] = [
            ("time", ints(s.time)), ("rr", doubles(s.rr)), ("est_rr", doubles(s.estRR)),
            ("isl", doubles(s.isl)), ("est_isl", doubles(s.estISL)), ("osl", doubles(s.osl)), ("est_osl", doubles(s.estOSL)),
            ("num_p", ints(s.numP)), ("p_thpt", doubles(s.pThpt)), ("safe_p_thpt", doubles(s.safePThpt)),
            ("num_d", ints(s.numD)), ("d_thpt", doubles(s.dThpt)), ("safe_d_thpt", doubles(s.safeDThpt)),
        ]
        out += fields.map { " \"\($0.0)\": \($0.1)" }.joined(separator: ",\n")
        if let w = result.warmup {
            out += ",\n \"warmup\": {\"time\": \(ints(w.times)), \"rr\": \(doubles(w.requestCounts)), "
            out += "\"isl\": \(doubles(w.isl)), \"osl\": \(doubles(w.osl))}"
        }
        out += "}\n"
        return out
    }

    /// Writes `json(result)` to `path`.
    public static func writeJSON(_ result: DryrunResult, to path: String) throws {
        try OutputPath.write(Data(json(result).utf8), to: path, what: "dryrun JSON")
    }

    static func ints(_ values: [Int]) -> String { "[" + values.map(String.init).joined(separator: ", ") + "]" }

    static func doubles(_ values: [Double]) -> String { NumberText.jsonArray(values) }

    /// The one-screen summary `planner dryrun` always prints.
    public static func summary(_ result: DryrunResult, trace: String) -> String {
        let s = result.settings, n = result.series.count
        let span = formatDuration(n * s.intervalSeconds)
        var lines: [String] = []
        lines.append("Dryrun of \(trace): \(n) intervals of \(s.intervalSeconds) s (\(span)), "
            + "predictor \(result.predictor.rawValue), mode \(s.mode.rawValue)")
        lines.append("  SLA: TTFT \(NumberText.plain(s.ttftMilliseconds)) ms, ITL \(NumberText.plain(s.itlMilliseconds)) ms; "
            + "GPU budget \(s.hasBudget ? String(s.maxGPUBudget) : "none"), min_endpoint \(s.minEndpoint)")
        if let w = result.warmup, !w.isEmpty {
            lines.append("  warm-up: \(w.intervals.count) intervals fed to the predictors first")
        }
        let used = result.gpuHours, peak = result.peakAllocationGPUHours
        lines.append("  GPU-hours used:                \(NumberText.fixed(used, digits: 2))")
        let pMax = result.series.numP.max() ?? 0, dMax = result.series.numD.max() ?? 0
        var fixed = "  fixed allocation at the peak:  \(NumberText.fixed(peak, digits: 2)) GPU-hours "
            + "(\(pMax) prefill + \(dMax) decode workers throughout)"
        // Summed interval by interval, `used` can exceed `peak` by a rounding error.
        if peak > 0 { fixed += "; planning saves \(NumberText.fixed(max(0, (1 - used / peak) * 100), digits: 0))%" }
        lines.append(fixed)
        if s.mode.plansPrefill {
            lines.append("  prefill demand above safe capacity: \(result.prefillUnderCapacityIntervals) of \(n) intervals")
        }
        if s.mode.plansDecode {
            lines.append("  decode demand above safe capacity:  \(result.decodeUnderCapacityIntervals) of \(n) intervals")
        }
        if result.budgetLimitedIntervals > 0 {
            lines.append("  decisions limited by the GPU budget: \(result.budgetLimitedIntervals)")
        }
        if result.decodeInfeasibleIntervals > 0 {
            lines.append("  decisions where no decode configuration meets the ITL target: \(result.decodeInfeasibleIntervals)")
        }
        return lines.joined(separator: "\n")
    }

    static func formatDuration(_ seconds: Int) -> String {
        if seconds < 120 { return "\(seconds) s" }
        if seconds < 2 * 3600 { return NumberText.fixed(Double(seconds) / 60, digits: 1) + " min" }
        return NumberText.fixed(Double(seconds) / 3600, digits: 1) + " h"
    }
}
