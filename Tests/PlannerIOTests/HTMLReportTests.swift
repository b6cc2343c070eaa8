import PlannerCore
import PlannerNumerics
import XCTest
@testable import PlannerIO

/// The HTML report's structure without a browser (HTMLReportBrowserTests renders it):
/// escaping, one SVG per chart with its data, non-finite values as gaps and null.
final class HTMLReportTests: XCTestCase {
    func testDocumentRendersChartsSummaryAndEscapedConfig() {
        let doc = HTMLReport.Document(
            title: "T <1>", subtitle: "s & t",
            summary: [("GPU-hours used", "1.50")],
            charts: [HTMLReport.Chart(title: "Load \"a\"", yLabel: "req/s", x: [0, 60, 120],
                                      series: [HTMLReport.Series("actual", [1, .nan, 3], color: "#123456")])],
            configuration: "name: \"<script>\"")
        let html = HTMLReport.render(doc)
        XCTAssertTrue(html.contains("<title>T &lt;1&gt;</title>"))
        XCTAssertTrue(html.contains("<h2>Load &quot;a&quot;</h2>"))
        XCTAssertTrue(html.contains("name: &quot;&lt;script&gt;&quot;"), "the config cannot inject markup")
        XCTAssertTrue(html.contains("data-y=\"[[1, null, 3]]\""), "NaN travels as null")
        XCTAssertTrue(html.contains("M70.0,"), "the path starts at the first point")
        XCTAssertEqual(html.components(separatedBy: "<svg class=\"plot\"").count, 2)
        XCTAssertFalse(html.contains("src=\"http"), "no external resources")
        XCTAssertTrue(html.contains("addEventListener('mousemove'"), "hover script inline")
    }

    func testDryrunReportHasEveryChartOfTheMode() {
        var s = PlannerSettings()
        s.intervalSeconds = 60
        var series = DryrunSeries()
        series.time = [0, 60]; series.rr = [60, 120]; series.estRR = [60, 90]
        series.isl = [100, 110]; series.estISL = [100, 105]; series.osl = [10, 12]; series.estOSL = [10, 11]
        series.numP = [1, 2]; series.numD = [1, 1]; series.pThpt = [1, 2]; series.safePThpt = [3, 3]
        series.dThpt = [1, 2]; series.safeDThpt = [3, 3]
        let result = DryrunResult(settings: s, predictor: .constant, series: series, warmup: nil)
        let html = HTMLReport.dryrun(result, trace: "t.jsonl", configuration: "ttft_ms: 500.0\n")
        for title in HTMLReport.dryrunChartTitles { XCTAssertTrue(html.contains(">\(title)</h2>"), title) }
        s.mode = .prefill
        let prefillOnly = HTMLReport.dryrun(DryrunResult(settings: s, predictor: .constant, series: series, warmup: nil),
                                            trace: "t", configuration: "")
        XCTAssertFalse(prefillOnly.contains("Decode throughput vs safe capacity"))
    }
}

/// The replay's report from a real (small, fixed-worker) replay: every chart with its
/// series, the summary rows and the settings used, nothing fetched from the network.
final class ReplayHTMLReportTests: XCTestCase {
    func testReplayReportHoldsChartsSummaryAndSettings() async throws {
        var planner = PlannerSettings()
        planner.intervalSeconds = 10
        planner.maxGPUBudget = -1
        planner.ttftMilliseconds = 300
        planner.itlMilliseconds = 30
        var sim = ReplaySimulatorSettings()
        sim.mode = .disaggregated
        sim.perf = .mockerPolynomial
        sim.maxWorkersPerPool = 2
        let config = ReplayConfiguration(planner: planner, predictor: nil, mode: .disagg, perfModel: .mocker,
                                         prefillWorkers: 1, decodeWorkers: 2, maxSimTimeSeconds: 1e5, simulator: sim)
        let rows = (0..<40).map { i in
            ReplayTraceRow(arrivalSeconds: Double(i), inputLength: 500, outputLength: 20, hashIDs: nil, location: "t:\(i + 1)")
        }
        let result = try await ReplayDriver(configuration: config, engine: nil, source: ClosureRequestSource(rows: rows)).run()
        let text = ReplayReport.configurationText(config, extra: [("dataset", "t <1>.jsonl")])
        let html = HTMLReport.replay(result, trace: "t <1>.jsonl", configuration: text)

        for title in HTMLReport.replayChartTitles { XCTAssertTrue(html.contains("<h2>\(title)</h2>"), title) }
        XCTAssertEqual(html.components(separatedBy: "<svg class=\"plot\"").count - 1, HTMLReport.replayChartTitles.count)
        XCTAssertTrue(html.contains("<td>requests completed</td><td>40 of 40 in "), "summary row")
        XCTAssertTrue(html.contains("<td>decode workers peak / mean</td><td>2 / "))
        XCTAssertTrue(html.contains("dataset: &quot;t &lt;1&gt;.jsonl&quot;"), "settings escaped")
        XCTAssertTrue(html.contains("num_decode_workers: 2\n"))
        XCTAssertTrue(html.contains("data-names=\"[&quot;prefill requested&quot;,&quot;prefill serving&quot;"))
        // 1 prefill + 2 decode workers of one GPU each: 3 GPUs requested in every interval.
        XCTAssertEqual(HTMLReport.requestedGPUs(result), Array(repeating: 3, count: result.intervals.count))
        XCTAssertGreaterThanOrEqual(result.intervals.count, 4)
        XCTAssertFalse(html.contains("http://") || html.contains("https://"))
    }
}
