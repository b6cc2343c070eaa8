/// A fleet replay's outcome: each deployment's own `ReplayResult` and the fleet's totals.
public struct ReplayFleetResult: Sendable {
    public var names: [String]
    public var weights: [Double]
    /// One per deployment, in the order given.
    public var results: [ReplayResult]
    /// The budget's bounds (negative: none).
    public var maxTotalGPUs: Int
    public var minTotalGPUs: Int
    /// Decisions cut by a budget (the fleet's, or a deployment's own `--max-gpu-budget`).
    public var budgetLimitedDecisions: Int
    public var wallTimeMilliseconds: Double

    /// GPUs the deployments requested (were granted) together at the end of each
    /// interval: Σ over the deployments still running of their requested workers ×
    /// GPUs per worker. Starting workers count; draining ones no longer do (their
    /// GPUs are on their way back; the integral in `gpuHours` counts them).
    public var grantedGPUs: [Int] {
        let n = results.map(\.intervals.count).max() ?? 0
        var total = [Int](repeating: 0, count: n)
        for r in results {
            let s = r.intervals
            for k in 0..<s.count {
                total[k] = total[k].addingSaturated(ReplayFleet.gpus(requested: (s.requestedPrefill[k], s.requestedDecode[k]),
                                                                      r.configuration))
            }
        }
        return total
    }

    public var peakGrantedGPUs: Int { grantedGPUs.max() ?? 0 }

    public var requests: Int { results.reduce(0) { $0 + $1.requests } }
    public var completed: Int { results.reduce(0) { $0 + $1.summary.completed } }
    public var metBoth: Int { results.reduce(0) { $0 + $1.summary.metBoth } }
    public var metTTFT: Int { results.reduce(0) { $0 + $1.summary.metTTFT } }
    public var metITL: Int { results.reduce(0) { $0 + $1.summary.metITL } }
    public var gpuHours: Double { results.reduce(0) { $0 + $1.gpuHours } }
    public var scalingEvents: Int { results.reduce(0) { $0 + $1.events.count } }

    /// Requests within both SLAs over every completed request of the fleet.
    public var attainment: Double? { completed > 0 ? Double(metBoth) / Double(completed) : nil }

    /// The fleet's `"fleet"` numbers in the JSON, in order.
    public var summaryFields: [(String, Double?)] {
        func fraction(_ n: Int) -> Double? { completed > 0 ? Double(n) / Double(completed) : nil }
        return [
            ("deployments", Double(results.count)), ("num_requests", Double(requests)), ("completed_requests", Double(completed)),
            ("sla_attainment", fraction(metBoth)), ("ttft_attainment", fraction(metTTFT)), ("itl_attainment", fraction(metITL)),
            ("goodput_completed_requests", Double(metBoth)), ("gpu_hours", gpuHours),
            ("max_total_gpus", maxTotalGPUs >= 0 ? Double(maxTotalGPUs) : nil),
            ("min_total_gpus", minTotalGPUs >= 0 ? Double(minTotalGPUs) : nil),
            ("peak_granted_gpus", Double(peakGrantedGPUs)), ("budget_limited_decisions", Double(budgetLimitedDecisions)),
            ("scaling_events", Double(scalingEvents)),
        ]
    }
}
