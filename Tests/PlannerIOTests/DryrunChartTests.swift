import Foundation
import TestPeers
#if canImport(FoundationXML)
import FoundationXML
#endif
import XCTest
import PlannerCore
@testable import PlannerIO

final class DryrunChartTests: XCTestCase {
    /// A small hand-made result: 4 intervals of 60 s, two warm-up intervals.
    func sample(mode: PlannerMode = .disagg, warmup: Bool = true) -> DryrunResult {
        var settings = PlannerSettings()
        settings.intervalSeconds = 60
        settings.ttftMilliseconds = 600
        settings.itlMilliseconds = 20
        settings.maxGPUBudget = 16
        settings.mode = mode
        var s = DryrunSeries()
        s.time = [0, 60, 120, 180]
        s.rr = [120, 180, 240, 60]
        s.estRR = [120, 120, 180, 240]
        s.isl = [3000, 3500.5, 2800, 3100]
        s.estISL = [3000, 3000, 3500.5, 2800]
        s.osl = [300, 320, 280, 310]
        s.estOSL = [300, 300, 320, 280]
        s.numP = mode.plansPrefill ? [1, 1, 2, 3] : [0, 0, 0, 0]
        s.numD = mode.plansDecode ? [1, 1, 1, 2] : [0, 0, 0, 0]
        s.pThpt = mode.plansPrefill ? zip(s.rr, s.isl).map { $0 * $1 } : [0, 0, 0, 0]
        s.safePThpt = mode.plansPrefill ? [300_000, 500_000, 1_000_000, 1_500_000] : [0, 0, 0, 0]
        s.dThpt = mode.plansDecode ? zip(s.rr, s.osl).map { $0 * $1 } : [0, 0, 0, 0]
        s.safeDThpt = mode.plansDecode ? [30_000, 60_000, 60_000, 120_000] : [0, 0, 0, 0]
        let w = warmup ? WarmupHistory(intervals: [
            IntervalMetrics(intervalStartSeconds: 0, requestCount: 90, averageISL: 2900, averageOSL: 290),
            IntervalMetrics(intervalStartSeconds: 60, requestCount: 100, averageISL: 3050, averageOSL: 305),
        ], intervalSeconds: 60) : nil
        return DryrunResult(settings: settings, predictor: .kalman, series: s, warmup: w)
    }

    func testSVGIsWellFormedWithFourTitledPanels() throws {
        let svg = DryrunChart.svg(sample())
        XCTAssertNoThrow(try XMLDocument(xmlString: svg, options: []), "SVG must parse as XML")
        for title in ["Request rate: actual vs predicted", "Sequence lengths: actual vs predicted",
                      "Prefill throughput vs safe capacity", "Decode throughput vs safe capacity"] {
            XCTAssertTrue(svg.contains(title), title)
        }
        for label in ["requests/s", "ISL (tokens)", "OSL (tokens)", "tokens/s", "prefill workers", "decode workers",
                      "time since the first replayed interval (s)", "predicted", "safe capacity", "warm-up"] {
            XCTAssertTrue(svg.contains(label), label)
        }
        XCTAssertTrue(svg.contains("predictor kalman"))
    }

    func testWarmupIsShadedOnlyWhenPresent() {
        XCTAssertTrue(DryrunChart.svg(sample(warmup: true)).contains(">warm-up</text>"))
        XCTAssertFalse(DryrunChart.svg(sample(warmup: false)).contains(">warm-up</text>"))
    }

    func testOverloadedIntervalsAreMarked() {
        // Prefill demand (360 k, 630 k, 672 k, 186 k) exceeds capacity in intervals 0 and 1; decode (36 k, 57.6 k, 67.2 k, 18.6 k) in 0 and 2.
        let r = sample()
        XCTAssertEqual(r.prefillUnderCapacityIntervals, 2)
        XCTAssertEqual(r.decodeUnderCapacityIntervals, 2)
        let svg = DryrunChart.svg(r)
        let marks = svg.components(separatedBy: "fill=\"#d62728\" fill-opacity").count - 1
        XCTAssertEqual(marks, 4)
    }

    func testUnplannedComponentSaysSo() {
        let svg = DryrunChart.svg(sample(mode: .prefill))
        XCTAssertTrue(svg.contains("decode is not planned in mode prefill"))
        XCTAssertFalse(svg.contains("prefill is not planned"))
    }

    func testTextIsEscaped() {
        XCTAssertEqual(SVGDocument.escape("a<b & \"c\">"), "a&lt;b &amp; &quot;c&quot;&gt;")
    }

    func testNiceScales() {
        let s = ChartScale.nice(maximum: 7.3)
        XCTAssertEqual(s.upper, 8)
        XCTAssertEqual(s.ticks, [0, 2, 4, 6, 8])
        XCTAssertEqual(ChartScale.nice(maximum: 0).upper, 1, "an all-zero series still gets an axis")
        XCTAssertEqual(ChartScale.counts(maximum: 3).ticks, [0, 1, 2, 3, 4])
        XCTAssertEqual(compactNumber(2_500_000), "2.5M")
        XCTAssertEqual(compactNumber(12_000), "12k")
        XCTAssertEqual(compactNumber(750), "750")
    }

    func testJSONReportKeysAndValues() throws {
        let r = sample()
        let text = DryrunReport.json(r)
        let object = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        XCTAssertEqual(Set(object.keys), ["adjustment_interval", "mode", "load_predictor", "time", "rr", "est_rr", "isl",
                                          "est_isl", "osl", "est_osl", "num_p", "p_thpt", "safe_p_thpt", "num_d", "d_thpt",
                                          "safe_d_thpt", "warmup"])
        XCTAssertEqual(object["adjustment_interval"] as? Int, 60)
        XCTAssertEqual(object["mode"] as? String, "disagg")
        XCTAssertEqual(object["load_predictor"] as? String, "kalman")
        XCTAssertEqual((object["isl"] as? [NSNumber])?.map(\.doubleValue), r.series.isl)
        XCTAssertEqual((object["num_d"] as? [Int]), [1, 1, 1, 2])
        let warm = try XCTUnwrap(object["warmup"] as? [String: Any])
        XCTAssertEqual(warm["time"] as? [Int], [-120, -60])
        XCTAssertEqual((warm["osl"] as? [NSNumber])?.map(\.doubleValue), [290, 305])
        // Key order as docs/cli.md lists it.
        let order = ["\"adjustment_interval\"", "\"mode\"", "\"load_predictor\"", "\"time\"", "\"rr\"", "\"est_rr\"",
                     "\"isl\"", "\"est_isl\"", "\"osl\"", "\"est_osl\"", "\"num_p\"", "\"p_thpt\"", "\"safe_p_thpt\"",
                     "\"num_d\"", "\"d_thpt\"", "\"safe_d_thpt\"", "\"warmup\""]
        let positions = order.map { text.range(of: $0)?.lowerBound }
        XCTAssertFalse(positions.contains(nil))
        XCTAssertEqual(positions.compactMap { $0 }, positions.compactMap { $0 }.sorted())
        XCTAssertFalse(DryrunReport.json(sample(warmup: false)).contains("warmup"))
    }

    func testJSONNumbersRoundTrip() {
        for v in [0.1, 1.0 / 3, 1e-7, 123456789.123, 4123474.0545139313] {
            XCTAssertEqual(Double(NumberText.json(v)), v)
        }
        XCTAssertEqual(NumberText.json(162), "162")
        XCTAssertEqual(NumberText.json(.nan), "null")
    }

    func testSummaryNamesTheFigures() {
        let text = DryrunReport.summary(sample(), trace: "t.jsonl")
        XCTAssertTrue(text.contains("4 intervals of 60 s"))
        XCTAssertTrue(text.contains("GPU-hours used:                0.20"), text)   // (2+2+3+5) GPUs × 60 s
        XCTAssertTrue(text.contains("0.33 GPU-hours (3 prefill + 2 decode"), text)  // 5 GPUs × 240 s
        XCTAssertTrue(text.contains("prefill demand above safe capacity: 2 of 4"), text)
        XCTAssertTrue(text.contains("decode demand above safe capacity:  2 of 4"), text)
    }

    func testOutputChecks() throws {
        XCTAssertThrowsError(try DryrunChartOutput.format(of: "chart.jpg")) { XCTAssertTrue("\($0)".contains(".svg or .png")) }
        XCTAssertEqual(try DryrunChartOutput.format(of: "a/B.PNG"), .png)
        XCTAssertThrowsError(try DryrunChartOutput.preflight("chart.png", environment: ["PATH": "/nonexistent"])) {
            XCTAssertTrue("\($0)".contains("librsvg2-bin"), "\($0)")
        }
        // A file where the directory should be, and a directory where the file should be.
        XCTAssertThrowsError(try OutputPath.checkWritable("/etc/hostname/out.svg", what: "chart")) {
            XCTAssertTrue("\($0)".contains("/etc/hostname/out.svg"), "\($0)")
        }
        // Permission bits would let root through; creating the file is what fails here.
        XCTAssertThrowsError(try OutputPath.checkWritable("/proc/dryrun-chart.svg", what: "chart")) {
            XCTAssertTrue("\($0)".contains("cannot create files in /proc"), "\($0)")
        }
        XCTAssertThrowsError(try OutputPath.checkWritable(NSTemporaryDirectory(), what: "chart")) {
            XCTAssertTrue("\($0)".contains("is a directory"), "\($0)")
        }
    }

    func testWritesSVGAndPNG() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("chart-\(UUID().uuidString)/nested")
        defer { try? FileManager.default.removeItem(at: dir.deletingLastPathComponent()) }
        let svgPath = dir.appendingPathComponent("d.svg").path
        try DryrunChartOutput.preflight(svgPath)   // creates the missing directory
        try DryrunChartOutput.write(sample(), to: svgPath)
        XCTAssertTrue(try String(contentsOfFile: svgPath, encoding: .utf8).hasPrefix("<?xml"))
        try TestPeers.require("rsvg-convert", package: "librsvg2-bin")
        let pngPath = dir.appendingPathComponent("d.png").path
        try DryrunChartOutput.write(sample(), to: pngPath)
        let bytes = try Data(contentsOf: URL(fileURLWithPath: pngPath))
        XCTAssertEqual(Array(bytes.prefix(4)), [0x89, 0x50, 0x4E, 0x47], "PNG signature")
        XCTAssertGreaterThan(bytes.count, 10_000)
    }
}
