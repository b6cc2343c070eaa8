import Histogram

/// Summary statistics of one latency (ms) without keeping the samples: exact
/// count, mean, standard deviation, minimum and maximum, and percentiles from an
/// HdrHistogram (hdrhistogram-swift) of nanoseconds with 3 significant digits.
///
/// Percentiles are defined as Dynamo's replay report defines them: the sample at
/// sorted index round((n − 1) · p/100). Error bound: the reported value is the upper
/// end of the histogram bucket holding that sample (capped at the exact maximum), so
/// it lies at most 0.1 % above it (relative; buckets are 2⁻¹⁰ wide at every
/// magnitude), plus 1 ns of quantisation. Memory is fixed (a few hundred KiB),
/// whatever the number of requests.
public struct LatencyDistribution: Sendable {
    public private(set) var count: Double = 0
    public private(set) var minimum = Double.infinity
    public private(set) var maximum = -Double.infinity
    private var sum = 0.0
    private var sumOfSquares = 0.0
    private var histogram: Histogram<UInt64>

    /// Longest latency the histogram resolves (about 11.6 days); longer values are clamped into it.
    static let highestNanoseconds: UInt64 = 1_000_000_000_000_000

    public init() {
        histogram = Histogram<UInt64>(lowestDiscernibleValue: 1, highestTrackableValue: Self.highestNanoseconds,
                                      numberOfSignificantValueDigits: .three)
    }

    /// Adds `milliseconds` with weight `weight` (a request's ITL counts once per token gap).
    /// Non-finite or negative values are ignored; weights below 1 are ignored.
    public mutating func record(_ milliseconds: Double, weight: Int = 1) {
        guard milliseconds.isFinite, milliseconds >= 0, weight >= 1 else { return }
        let w = Double(weight)
        count += w
        sum += milliseconds * w
        sumOfSquares += milliseconds * milliseconds * w
        minimum = Swift.min(minimum, milliseconds)
        maximum = Swift.max(maximum, milliseconds)
        let ns = Swift.min(milliseconds * 1e6, Double(Self.highestNanoseconds))
        _ = histogram.record(UInt64(ns.rounded()), count: UInt64(weight))
    }

    /// Mean, nil without samples.
    public var mean: Double? { count > 0 ? sum / count : nil }

    /// Population standard deviation (numpy's `std`), nil without samples.
    public var standardDeviation: Double? {
        guard let m = mean else { return nil }
        return (Swift.max(0, sumOfSquares / count - m * m)).squareRoot()
    }

    /// The `percentile`-th percentile (0...100) in ms, nil without samples.
    public func percentile(_ percentile: Double) -> Double? {
        guard count > 0 else { return nil }
        // HdrHistogram returns the sample of rank ⌈q/100 · n⌉; aim q at the middle of rank r.
        let rank = ExactPercentile.index(count: count, percentile) + 1
        let ns = histogram.valueAtPercentile(Swift.min(100, Swift.max(0, 100 * (rank - 0.5) / count)))
        // The bucket's upper end can pass the largest sample; the maximum is exact.
        return Swift.min(Double(ns) / 1e6, maximum)
    }
}

/// Percentiles of a small sample, exactly (per-interval series), defined as Dynamo's
/// replay report: the sample at sorted index round((n − 1) · p/100).
public enum ExactPercentile {
    /// The `percentile`-th percentile of `values`; nil when empty. Sorts a copy.
    public static func value(_ values: [Double], _ percentile: Double) -> Double? {
        guard !values.isEmpty else { return nil }
        return values.sorted()[Int(index(count: Double(values.count), percentile))]
    }

    /// round((n − 1) · p/100) with p clamped into 0...100 (NaN as 50), as a whole number in 0...n−1.
    static func index(count n: Double, _ percentile: Double) -> Double {
        let p = percentile.isNaN ? 50 : Swift.min(100, Swift.max(0, percentile))
        return Swift.min(n - 1, Swift.max(0, ((n - 1) * p / 100).rounded()))
    }
}
