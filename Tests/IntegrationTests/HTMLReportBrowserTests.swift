import Foundation
import TestPeers
import PlannerIO
import XCTest

/// `dryrun --report` and `replay --report` opened in a real headless browser (Debian's chromium): the
/// screenshot is far from blank, and the rendered page holds every chart's title,
/// the summary and the configuration. Without chromium the test skips, except under CI=true.
final class HTMLReportBrowserTests: XCTestCase {
    static func chromium() -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        for dir in path.split(separator: ":") {
            for name in ["chromium", "chromium-browser", "google-chrome"] {
                let candidate = "\(dir)/\(name)"
                if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
            }
        }
        return nil
    }

    /// Runs chromium headless on `url` with `arguments`; its stdout.
    func browse(_ browser: String, _ url: URL, _ arguments: [String], profile: URL) throws -> String {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: browser)
        p.arguments = ["--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                       "--user-data-dir=\(profile.path)", "--window-size=1200,2600"] + arguments + [url.absoluteString]
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("chromium-\(UUID().uuidString).out")
        FileManager.default.createFile(atPath: out.path, contents: nil)
        let handle = try FileHandle(forWritingTo: out)
        defer { try? handle.close(); try? FileManager.default.removeItem(at: out) }
        p.standardOutput = handle
        p.standardError = FileHandle.nullDevice
        try p.run()
        let deadline = Date().addingTimeInterval(90)
        while p.isRunning && Date() < deadline { usleep(50_000) }
        if p.isRunning { p.terminate(); XCTFail("chromium did not finish in 90 s") }
        p.waitUntilExit()
        return (try? String(contentsOf: out, encoding: .utf8)) ?? ""
    }

    func testReportRendersInAHeadlessBrowser() throws {
        try renders(command: ["dryrun", "--dataset", "data/traces/mooncake_conversation.jsonl",
                              "--profile-results-dir", "data/profiles/h200_llama8b_tp1",
                              "--load-predictor", "constant", "--adjustment-interval", "60"],
                    titles: HTMLReport.dryrunChartTitles,
                    texts: ["GPU-hours used", "Configuration used", "throughput_adjustment_interval_seconds: 60"])
    }

    func testReplayReportRendersInAHeadlessBrowser() throws {
        try renders(command: ["replay", "--dataset", "data/traces/mooncake_conversation.jsonl",
                              "--profile-results-dir", "data/profiles/h200_llama8b_tp1",
                              "--load-predictor", "constant", "--adjustment-interval", "60", "--max-sim-time", "600"],
                    titles: HTMLReport.replayChartTitles,
                    texts: ["SLA attainment (both / TTFT / ITL)", "GPU-hours used", "Configuration used", "adjustment_interval: 60"])
    }

    /// Runs `command --report FILE`, then checks the page in chromium: a screenshot far
    /// from blank, every chart's title, one SVG per chart and `texts` in the rendered DOM.
    private func renders(command: [String], titles: [String], texts: [String],
                         file: StaticString = #filePath, line: UInt = #line) throws {
        guard let browser = Self.chromium() else { throw TestPeers.missing("chromium not found on PATH (Debian package chromium)") }
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("report-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let report = dir.appendingPathComponent("report.html")
        let outcome = try PlannerProcess.run(command + ["--report", report.path])
        XCTAssertEqual(outcome.status, 0, outcome.stderr, file: file, line: line)
        let html = try String(contentsOf: report, encoding: .utf8)
        XCTAssertFalse(html.contains("http://") || html.contains("https://"), "self-contained: no network fetch", file: file, line: line)

        let shot = dir.appendingPathComponent("report.png")
        _ = try browse(browser, report, ["--screenshot=\(shot.path)"], profile: dir.appendingPathComponent("p1"))
        let blankPage = dir.appendingPathComponent("blank.html")
        try "<!DOCTYPE html><html><body></body></html>".write(to: blankPage, atomically: true, encoding: .utf8)
        let blankShot = dir.appendingPathComponent("blank.png")
        _ = try browse(browser, blankPage, ["--screenshot=\(blankShot.path)"], profile: dir.appendingPathComponent("p2"))
        let png = try Data(contentsOf: shot), blank = try Data(contentsOf: blankShot)
        XCTAssertEqual(Array(png.prefix(4)), [0x89, 0x50, 0x4E, 0x47], "a PNG", file: file, line: line)
        // PNG compresses a blank page to almost nothing; charts and text do not compress so far.
        XCTAssertGreaterThan(png.count, 4 * blank.count, "screenshot \(png.count) bytes vs blank \(blank.count)", file: file, line: line)

        let dom = try browse(browser, report, ["--dump-dom"], profile: dir.appendingPathComponent("p3"))
        for title in titles {
            XCTAssertTrue(dom.contains(">\(title)</h2>"), "chart title missing from the rendered page: \(title)", file: file, line: line)
        }
        for text in texts { XCTAssertTrue(dom.contains(text), "missing from the rendered page: \(text)", file: file, line: line) }
        XCTAssertEqual(dom.components(separatedBy: "<svg class=\"plot\"").count - 1, titles.count, file: file, line: line)
    }
}
