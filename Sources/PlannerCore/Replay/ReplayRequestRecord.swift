import PlannerNumerics

/// One finished request as the reports see it (`--per-request` writes one per line).
///
/// TTFT runs from arrival to the first output token: queueing, prefill, and in
/// disaggregated mode the KV transfer to the decode worker. ITL is the mean gap
/// between successive output tokens of the request; TPOT is (E2E − TTFT)/(OSL − 1),
/// the same number for one request (they differ in the summary, where ITL is
/// weighted by tokens and TPOT by requests). A request with one output token has
/// no ITL or TPOT (nil) and meets the ITL SLA.
public struct ReplayRequestRecord: Equatable, Sendable {
    public var id: Int64
    public var arrivalSeconds: Double
    public var inputLength: Int
    public var outputLength: Int
    public var cachedTokens: Int
    public var preemptions: Int
    public var ttftMilliseconds: Double
    public var itlMilliseconds: Double?
    public var tpotMilliseconds: Double?
    public var e2eMilliseconds: Double
    public var queueMilliseconds: Double
    public var metTTFT: Bool
    public var metITL: Bool
    public var metBoth: Bool { metTTFT && metITL }

    public init(id: Int64, arrivalSeconds: Double, inputLength: Int, outputLength: Int, cachedTokens: Int,
                preemptions: Int, ttftMilliseconds: Double, itlMilliseconds: Double?, tpotMilliseconds: Double?,
                e2eMilliseconds: Double, queueMilliseconds: Double, ttftSLAMilliseconds: Double, itlSLAMilliseconds: Double) {
        self.id = id
        self.arrivalSeconds = arrivalSeconds
        self.inputLength = inputLength
        self.outputLength = outputLength
        self.cachedTokens = cachedTokens
        self.preemptions = preemptions
        self.ttftMilliseconds = ttftMilliseconds
        self.itlMilliseconds = itlMilliseconds
        self.tpotMilliseconds = tpotMilliseconds
        self.e2eMilliseconds = e2eMilliseconds
        self.queueMilliseconds = queueMilliseconds
        metTTFT = ttftMilliseconds <= ttftSLAMilliseconds
        metITL = (itlMilliseconds ?? 0) <= itlSLAMilliseconds
    }

    /// The record of a simulator completion, judged against the SLA.
    public init(_ c: ReplayCompletion, ttftSLAMilliseconds: Double, itlSLAMilliseconds: Double) {
        self.init(id: c.id, arrival: c.arrival, firstToken: c.firstToken, finish: c.finish, isl: c.isl, osl: c.osl,
                  cachedTokens: c.cachedTokens, preemptions: c.preemptions, queueTime: c.queueTime, meanITLms: c.meanITLms,
                  ttftSLAMilliseconds: ttftSLAMilliseconds, itlSLAMilliseconds: itlSLAMilliseconds)
    }

    /// The record of a request's simulated times (seconds) and mean ITL (ms), judged against the SLA.
    public init(id: Int64, arrival: Double, firstToken: Double, finish: Double, isl: Int, osl: Int, cachedTokens: Int,
                preemptions: Int, queueTime: Double, meanITLms: Double,
                ttftSLAMilliseconds: Double, itlSLAMilliseconds: Double) {
        let ttft = (firstToken - arrival) * 1000
        let e2e = (finish - arrival) * 1000
        let gaps = osl - 1
        let tpot = gaps > 0 ? (e2e - ttft) / Double(gaps) : nil
        let itl = gaps > 0 ? (meanITLms.isFinite ? meanITLms : tpot) : nil
        self.init(id: id, arrivalSeconds: arrival, inputLength: isl, outputLength: osl, cachedTokens: cachedTokens,
                  preemptions: preemptions, ttftMilliseconds: ttft, itlMilliseconds: itl, tpotMilliseconds: tpot,
                  e2eMilliseconds: e2e, queueMilliseconds: queueTime * 1000,
                  ttftSLAMilliseconds: ttftSLAMilliseconds, itlSLAMilliseconds: itlSLAMilliseconds)
    }

    /// Inter-token gaps the request produced (weights its ITL in token-weighted means).
    public var tokenGaps: Int { max(0, outputLength - 1) }
}
