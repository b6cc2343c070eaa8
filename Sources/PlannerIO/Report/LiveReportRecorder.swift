import Foundation
import PlannerCore

/// `planner run --report FILE`: records each interval's state and rewrites one HTML
/// report (the same `HTMLReport` as the dryrun's) every `everyIntervals` intervals and
/// when asked at the end. A failed write is reported through `warn`, never fatal.
public final class LiveReportRecorder: PlannerStateSink, @unchecked Sendable {
    public let path: String
    public let everyIntervals: Int
    private let settings: PlannerSettings
    private let configuration: String
    private let warn: (String) -> Void
    private var time: [Double] = [], observedRate: [Double] = [], predictedRate: [Double] = []
    private var prefill: [Double] = [], decode: [Double] = [], decidedPrefill: [Double] = [], decidedDecode: [Double] = []
    private var ttft: [Double] = [], estimatedTTFT: [Double] = [], itl: [Double] = [], estimatedITL: [Double] = []
    private var reasons: [String: Int] = [:]

    public static let chartTitles = ["Request rate: observed vs predicted", "Workers: running vs decided",
                                     "TTFT: observed vs estimated", "ITL: observed vs estimated"]

    /// `everyHours` of planner time between writes (at least one interval).
    public init(path: String, everyHours: Double, settings: PlannerSettings, configuration: String,
                warn: @escaping (String) -> Void) {
        self.path = path
        let intervals = everyHours * 3600 / Double(max(1, settings.intervalSeconds))
        self.everyIntervals = intervals.isFinite && intervals < 1e9 ? max(1, Int(intervals.rounded(.up))) : 1_000_000_000
        self.settings = settings
        self.configuration = configuration
        self.warn = warn
    }

    public func publish(_ state: PlannerState, intervalSeconds: Int) {
        let interval = Double(max(1, intervalSeconds))
        time.append(Double(state.intervals) * interval)
        observedRate.append(state.observed?.requestCount.map { $0 / interval } ?? .nan)
        predictedRate.append(state.predicted.map { $0.requestCount / interval } ?? .nan)
        prefill.append(Double(state.workers.prefill))
        decode.append(Double(state.workers.decode))
        decidedPrefill.append(state.decision.map { Double($0.prefill) } ?? .nan)
        decidedDecode.append(state.decision.map { Double($0.decode) } ?? .nan)
        ttft.append(state.observed?.ttftMilliseconds ?? .nan)
        itl.append(state.observed?.itlMilliseconds ?? .nan)
        estimatedTTFT.append(state.explanation?.estimatedTTFTMilliseconds ?? .nan)
        estimatedITL.append(state.explanation?.estimatedITLMilliseconds ?? .nan)
        if let r = state.reason { reasons[r.rawValue, default: 0] += 1 }
        if time.count % everyIntervals == 0 { write() }
    }

    /// Writes the report now (also called when the planner stops).
    public func write() {
        do {
            try OutputPath.write(Data(HTMLReport.render(document()).utf8), to: path, what: "HTML report")
        } catch {
            warn("\(error)")
        }
    }

    func document() -> HTMLReport.Document {
        let t = Self.chartTitles
        let target = { (v: Double) in Array(repeating: v, count: self.time.count) }
        let charts = [
            HTMLReport.Chart(title: t[0], yLabel: "requests / s", x: time, series: [
                .init("observed", observedRate, color: "#1f77b4"), .init("predicted", predictedRate, color: "#ff7f0e", dashed: true)]),
            HTMLReport.Chart(title: t[1], yLabel: "workers", x: time, series: [
                .init("prefill running", prefill, color: "#9467bd"), .init("prefill decided", decidedPrefill, color: "#9467bd", dashed: true),
                .init("decode running", decode, color: "#8c564b"), .init("decode decided", decidedDecode, color: "#8c564b", dashed: true)]),
            HTMLReport.Chart(title: t[2], yLabel: "ms", x: time, series: [
                .init("observed", ttft, color: "#1f77b4"), .init("estimated", estimatedTTFT, color: "#ff7f0e", dashed: true),
                .init("target", target(settings.ttftMilliseconds), color: "#d62728")]),
            HTMLReport.Chart(title: t[3], yLabel: "ms", x: time, series: [
                .init("observed", itl, color: "#1f77b4"), .init("estimated", estimatedITL, color: "#ff7f0e", dashed: true),
                .init("target", target(settings.itlMilliseconds), color: "#d62728")]),
        ]
        var summary: [(label: String, value: String)] = [
            ("intervals", "\(time.count) × \(settings.intervalSeconds) s"),
            ("mode", settings.mode.rawValue),
            ("SLA", "TTFT \(HTMLReport.format(settings.ttftMilliseconds)) ms, ITL \(HTMLReport.format(settings.itlMilliseconds)) ms"),
        ]
        for (reason, count) in reasons.sorted(by: { $0.key < $1.key }) {
            summary.append(("intervals ending \(reason)", "\(count)"))
        }
        return HTMLReport.Document(title: "Planner run report", subtitle: "planner run, written every \(everyIntervals) intervals",
                                   summary: summary, charts: charts, configuration: configuration)
    }
}

/// Hands each state to several sinks (the metrics reporter and the report recorder).
public final class PlannerStateSinks: PlannerStateSink, @unchecked Sendable {
    public let sinks: [PlannerStateSink]

    public init(_ sinks: [PlannerStateSink]) { self.sinks = sinks }

    public func publish(_ state: PlannerState, intervalSeconds: Int) {
        for sink in sinks { sink.publish(state, intervalSeconds: intervalSeconds) }
    }
}
