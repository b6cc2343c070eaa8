/// What Prometheus would give the live planner about the simulated frontend
/// (Dynamo's `dynamo_frontend_*` families, read as docs/behaviour.md §7's
/// `increase(X_sum)/increase(X_count)` over the interval):
///
/// - request count: requests that finished in the interval (the frontend counts a
///   request when its response ends);
/// - TTFT, ISL, OSL, request duration: means over those requests;
/// - ITL: the mean of the inter-token gaps produced in the interval, as the
///   simulator counts them (the frontend observes one ITL sample per output token
///   after the first); without those counts, the token-weighted mean of the
///   finished requests' ITLs.
///
/// The simulator reports a request once it finishes, so every observation of a
/// request lands in the interval it finished in (the live frontend observes TTFT
/// and ISL when the first token leaves, possibly one interval earlier).
/// An interval without finished requests gives count 0 and NaN means, as
/// Prometheus' 0/0 does, and the planner makes no decision for it.
public final class ReplayFrontendMetrics: MetricsSource {
    private var count = 0.0
    private var ttftSum = 0.0
    private var itlSum = 0.0
    private var itlSamples = 0.0
    private var islSum = 0.0
    private var oslSum = 0.0
    private var durationSum = 0.0
    private var metTTFT = 0.0
    private var metITL = 0.0
    private var intervalGaps: (count: Int, sum: Double)?

    public init() {}

    public func record(_ r: ReplayRequestRecord) {
        count += 1
        ttftSum += r.ttftMilliseconds
        islSum += Double(r.inputLength)
        oslSum += Double(r.outputLength)
        durationSum += r.e2eMilliseconds / 1000
        if r.metTTFT { metTTFT += 1 }
        if r.metITL { metITL += 1 }
        if let itl = r.itlMilliseconds, r.tokenGaps > 0 {
            itlSum += itl * Double(r.tokenGaps)
            itlSamples += Double(r.tokenGaps)
        }
    }

    /// The inter-token gaps produced during the interval (the simulator counts each
    /// as it happens, as the frontend does); without them the ITL is the
    /// token-weighted mean of the finished requests.
    public func setIntervalTokenGaps(count: Int, sumMilliseconds: Double) {
        intervalGaps = (count, sumMilliseconds)
    }

    /// The interval's observation; starts the next interval.
    public func takeInterval() -> ObservedMetrics {
        defer { count = 0; ttftSum = 0; itlSum = 0; itlSamples = 0; islSum = 0; oslSum = 0; durationSum = 0; intervalGaps = nil
                metTTFT = 0; metITL = 0 }
        let itl = intervalGaps.map { $0.sum / Double($0.count) } ?? itlSum / itlSamples
        return ObservedMetrics(ttftMilliseconds: ttftSum / count, itlMilliseconds: itl,
                               requestCount: count, isl: islSum / count, osl: oslSum / count,
                               requestDurationSeconds: durationSum / count,
                               ttftAttainment: count > 0 ? metTTFT / count : nil, itlAttainment: count > 0 ? metITL / count : nil)
    }

    public func observe(intervalSeconds: Int) async throws -> ObservedMetrics { takeInterval() }
}
