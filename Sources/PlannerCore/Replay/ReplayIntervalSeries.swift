/// The per-interval series of a replay (`"intervals"` in the JSON, the chart).
/// Worker counts, queue depth and KV utilisation are sampled at the end of each
/// interval; the latency columns describe the requests that *arrived* in the
/// interval (exact percentiles at sorted index round((n − 1) · p/100); nil when none arrived or, in a
/// partial replay, none of them finished).
public struct ReplayIntervalSeries: Equatable, Sendable {
    public var time: [Double] = []
    public var requestedPrefill: [Int] = []
    public var requestedDecode: [Int] = []
    public var livePrefill: [Int] = []
    public var liveDecode: [Int] = []
    public var queueDepth: [Int] = []
    public var kvUtilization: [Double?] = []
    public var arrivals: [Int] = []
    public var finished: [Int] = []
    public var p50TTFT: [Double?] = []
    public var p90TTFT: [Double?] = []
    public var p50ITL: [Double?] = []
    public var p90ITL: [Double?] = []
    public var attainment: [Double?] = []

    public init() {}

    public var count: Int { time.count }
}

/// Latency samples of the requests that arrived in one interval, kept only until
/// the last of them finishes (memory follows the requests in flight).
struct IntervalLatencyBucket {
    var arrivals = 0
    var done = 0
    var metBoth = 0
    var ttft: [Double] = []
    var itl: [Double] = []

    mutating func add(_ r: ReplayRequestRecord) {
        done += 1
        if r.metBoth { metBoth += 1 }
        ttft.append(r.ttftMilliseconds)
        if let v = r.itlMilliseconds { itl.append(v) }
    }
}

extension ReplayIntervalSeries {
    /// Appends the sampled columns of a closed interval; latency columns start empty.
    mutating func appendSample(time t: Double, requested: (Int, Int), live: (Int, Int), queue: Int,
                               kv: Double?, arrivals a: Int, finished f: Int) {
        time.append(t)
        requestedPrefill.append(requested.0); requestedDecode.append(requested.1)
        livePrefill.append(live.0); liveDecode.append(live.1)
        queueDepth.append(queue); kvUtilization.append(kv)
        arrivals.append(a); finished.append(f)
        p50TTFT.append(nil); p90TTFT.append(nil); p50ITL.append(nil); p90ITL.append(nil); attainment.append(nil)
    }

    /// Fills the latency columns of interval `k` from its bucket.
    mutating func fillLatency(_ k: Int, _ b: IntervalLatencyBucket) {
        guard k < count, b.done > 0 else { return }
        p50TTFT[k] = ExactPercentile.value(b.ttft, 50)
        p90TTFT[k] = ExactPercentile.value(b.ttft, 90)
        p50ITL[k] = ExactPercentile.value(b.itl, 50)
        p90ITL[k] = ExactPercentile.value(b.itl, 90)
        attainment[k] = Double(b.metBoth) / Double(b.done)
    }
}
