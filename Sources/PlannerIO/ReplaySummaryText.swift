import Foundation
import PlannerCore

/// The one screen `planner replay` prints, and the table comparing predictors.
public enum ReplaySummaryText {
    public static func screen(_ r: ReplayResult, trace: String) -> String {
        let c = r.configuration, p = c.planner, s = r.summary
        let fields = Dictionary(r.summaryFields, uniquingKeysWith: { a, _ in a })
        func v(_ key: String) -> Double? { fields[key] ?? nil }
        func pct(_ key: String) -> String { v(key).map { String(format: "%.1f%%", $0 * 100) } ?? "n/a" }
        func ms(_ x: Double?) -> String { x.map { String(format: "%.1f", $0) } ?? "n/a" }
        var lines: [String] = []
        let workers = c.mode == .agg ? "\(c.decodeWorkers) workers" : "\(c.prefillWorkers) prefill + \(c.decodeWorkers) decode workers"
        let planner = c.predictor.map { "planner with \($0.kind.rawValue) every \(p.intervalSeconds) s, starting from \(workers)"
            + (p.correctionEnabled ? "" : ", no correction") } ?? "no planner, \(workers) fixed"
        lines.append("Replay of \(trace): mode \(c.mode.rawValue), perf model \(c.perfModel.rawValue), \(planner)")
        lines.append("  completed \(s.completed) of \(r.requests) requests in \(String(format: "%.1f", r.durationSeconds)) simulated s"
            + "; scale-downs drain, no request is lost or aborted")
        if let stop = r.stop { lines.append("  PARTIAL: \(stop.description)") }
        lines.append("  SLA TTFT \(NumberText.plain(p.ttftMilliseconds)) ms, ITL \(NumberText.plain(p.itlMilliseconds)) ms: "
            + "attainment \(pct("sla_attainment")) (TTFT \(pct("ttft_attainment")), ITL \(pct("itl_attainment"))), "
            + "goodput \(v("goodput_request_throughput_rps").map { String(format: "%.3f", $0) } ?? "n/a") req/s")
        lines.append("  latency (ms)      mean      p50      p90      p95      p99")
        for (label, key) in [("TTFT", "ttft_ms"), ("ITL", "itl_ms"), ("TPOT", "tpot_ms"), ("E2E", "e2e_latency_ms")] {
            let row = ["mean_\(key)", "median_\(key)", "p90_\(key)", "p95_\(key)", "p99_\(key)"]
                .map { ms(v($0)).leftPadded(to: 9) }.joined()
            lines.append("    " + label.padding(toLength: 10, withPad: " ", startingAt: 0) + row)
        }
        var workersLine = String(format: "  GPU-hours %.3f (starting and draining workers included); ", r.gpuHours)
        for (pool, component) in c.pools {
            _ = pool
            let name = c.mode == .agg ? "workers" : "\(component.rawValue) workers"
            workersLine += "\(name) peak \(r.peakWorkers[component] ?? 0), mean \(String(format: "%.2f", r.meanWorkers(component))); "
        }
        workersLine += "scaling events \(r.events.count)"
        lines.append(workersLine)
        if c.plannerEnabled {
            lines.append("  planner decisions \(r.decisions), intervals without a decision (no finished requests) \(r.undecidedIntervals)")
        }
        lines.append(String(format: "  simulated in %.0f ms of wall time", r.wallTimeMilliseconds))
        return lines.joined(separator: "\n")
    }

    /// One row per predictor: attainment, tail latency, cost.
    public static func comparison(_ results: [ReplayResult]) -> String {
        let header = ["predictor", "attain", "ttft_att", "itl_att", "p90_ttft_ms", "p90_itl_ms", "gpu_hours", "events"]
        var rows = [header]
        for r in results {
            let f = Dictionary(r.summaryFields, uniquingKeysWith: { a, _ in a })
            func d(_ k: String, _ format: String) -> String { (f[k] ?? nil).map { String(format: format, $0) } ?? "n/a" }
            rows.append([r.configuration.predictor?.kind.rawValue ?? "none", d("sla_attainment", "%.4f"),
                         d("ttft_attainment", "%.4f"), d("itl_attainment", "%.4f"), d("p90_ttft_ms", "%.1f"),
                         d("p90_itl_ms", "%.2f"), String(format: "%.3f", r.gpuHours), "\(r.events.count)"])
        }
        let widths = header.indices.map { i in rows.map { $0[i].count }.max() ?? 0 }
        return rows.map { row in
            row.enumerated().map { i, cell in i == 0 ? cell.padding(toLength: widths[i], withPad: " ", startingAt: 0)
                                                     : cell.leftPadded(to: widths[i]) }.joined(separator: "  ")
        }.joined(separator: "\n")
    }
}

extension String {
    func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: " ", count: width - count) + self
    }
}

extension ReplaySummaryText {
    /// One row per deployment of a fleet replay, then the fleet's totals.
    public static func fleet(_ f: ReplayFleetResult) -> String {
        let header = ["deployment", "weight", "requests", "attain", "ttft_att", "itl_att", "p90_ttft_ms", "p90_itl_ms",
                      "gpu_hours", "peak_gpus", "events"]
        var rows = [header]
        func frac(_ x: Double?) -> String { x.map { String(format: "%.4f", $0) } ?? "n/a" }
        for (k, r) in f.results.enumerated() {
            let m = Dictionary(r.summaryFields, uniquingKeysWith: { a, _ in a })
            func d(_ key: String, _ format: String) -> String { (m[key] ?? nil).map { String(format: format, $0) } ?? "n/a" }
            rows.append([f.names[k], NumberText.plain(f.weights[k]), "\(r.summary.completed)/\(r.requests)",
                         d("sla_attainment", "%.4f"), d("ttft_attainment", "%.4f"), d("itl_attainment", "%.4f"),
                         d("p90_ttft_ms", "%.1f"), d("p90_itl_ms", "%.2f"), String(format: "%.3f", r.gpuHours),
                         "\(HTMLReport.requestedGPUs(r).max().map { Int($0) } ?? 0)", "\(r.events.count)"])
        }
        let completed = f.completed
        func share(_ n: Int) -> Double? { completed > 0 ? Double(n) / Double(completed) : nil }
        rows.append(["fleet", "", "\(completed)/\(f.requests)", frac(f.attainment), frac(share(f.metTTFT)), frac(share(f.metITL)),
                     "", "", String(format: "%.3f", f.gpuHours), "\(f.peakGrantedGPUs)", "\(f.scalingEvents)"])
        let widths = header.indices.map { i in rows.map { $0[i].count }.max() ?? 0 }
        var lines = rows.map { row in
            row.enumerated().map { i, cell in i == 0 ? cell.padding(toLength: widths[i], withPad: " ", startingAt: 0)
                                                     : cell.leftPadded(to: widths[i]) }.joined(separator: "  ")
        }
        lines.append("  peak_gpus: most GPUs granted at once (requested workers × GPUs each, at interval ends); "
            + "decisions cut by a budget: \(f.budgetLimitedDecisions); simulated in "
            + String(format: "%.0f ms of wall time", f.wallTimeMilliseconds))
        return lines.joined(separator: "\n")
    }
}
