import Foundation

/// The fraction of a Prometheus histogram's observations at or below a threshold,
/// from its cumulative `_bucket{le=…}` increases over an interval: exact at a bucket
/// bound, linear inside a bucket (the assumption `histogram_quantile` makes), the
/// last finite bucket's fraction when the threshold lies in the `+Inf` bucket.
/// Feeds `--target-attainment` live (TTFT and ITL attainment per interval).
public enum HistogramAttainment {
    /// `buckets`: (upper bound, cumulative count) in any order, `+Inf` included.
    /// nil when nothing was observed (no buckets, a total of 0 or not finite) or the
    /// threshold is not a finite number ≥ 0.
    public static func fraction(buckets: [(le: Double, count: Double)], threshold: Double) -> Double? {
        guard threshold.isFinite, threshold >= 0 else { return nil }
        let sorted = buckets.filter { !$0.le.isNaN && $0.count.isFinite }.sorted { $0.le < $1.le }
        guard let total = sorted.last?.count, total > 0 else { return nil }
        var lowerBound = 0.0, below = 0.0
        for bucket in sorted {
            // Counts are cumulative; a smaller one (a reset inside the window) counts as the running maximum.
            let count = max(below, bucket.count)
            if bucket.le >= threshold {
                guard bucket.le.isFinite else { return min(1, below / total) }
                let width = bucket.le - lowerBound
                let inside = width > 0 ? (count - below) * (threshold - lowerBound) / width : count - below
                return min(1, max(0, (below + inside) / total))
            }
            lowerBound = bucket.le
            below = count
        }
        return min(1, below / total)
    }

    /// The buckets of `samples` summed per `le` bound (samples without a parsable `le` are skipped).
    public static func buckets(_ samples: [PrometheusSample]) -> [(le: Double, count: Double)] {
        var sums: [Double: Double] = [:]
        for s in samples {
            guard let text = s.labels["le"], let le = Double(text.hasPrefix("+") ? String(text.dropFirst()) : text),
                  s.value.isFinite else { continue }
            sums[le, default: 0] += s.value
        }
        return sums.map { (le: $0.key, count: $0.value) }
    }
}
