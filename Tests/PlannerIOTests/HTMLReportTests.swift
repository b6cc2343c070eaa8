import PlannerCore
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
