import Foundation
import XCTest
import PlannerCore
import PlannerIO

final class WarmupTests: XCTestCase {
    func testWarmupTimesAreNegativeAndEndAtZero() {
        let w = WarmupHistory(intervals: metrics([(5, 100, 10), (7, 200, 20), (9, 300, 30)]), intervalSeconds: 60)
        XCTAssertEqual(w.times, [-180, -120, -60])
        XCTAssertEqual(w.requestCounts, [5, 7, 9])
        XCTAssertEqual(w.osl, [10, 20, 30])
    }

    func testWarmupFeedsPredictorsThenReArmsIdleSkip() throws {
        let preds = [RecordingPredictor(), RecordingPredictor(), RecordingPredictor()]
        let engine = try makeEngine(settings60(), predictors: preds)
        engine.warmUp(with: metrics([(5, 100, 10), (7, 200, 20)]))
        XCTAssertEqual(preds[0].events, ["add 5.0", "add 7.0", "reset"])
        XCTAssertEqual(preds[2].events, ["add 10.0", "add 20.0", "reset"])
    }

    /// With warm-up history, the deployment's quiet start must still be skipped:
    /// the constant predictor keeps forecasting the warm-up's last value through
    /// the leading zeros instead of dropping to 0.
    func testLiveLeadingZerosAreSkippedAfterWarmup() throws {
        let warm = WarmupHistory(intervals: metrics([(5, 100, 10), (7, 200, 20)]), intervalSeconds: 60)
        let live = metrics([(0, 0, 0), (0, 0, 0), (3, 300, 30), (0, 0, 0), (4, 400, 40)])
        let r = try DryrunLoop.run(intervals: live, engine: try makeEngine(settings60()), predictor: .constant, warmup: warm)
        XCTAssertEqual(r.series.estRR, [0, 7, 7, 3, 0], "zeros before traffic skipped, zeros after kept")
        XCTAssertEqual(r.series.estISL, [0, 200, 200, 300, 0])
        XCTAssertEqual(r.warmup?.times, [-120, -60])

        // Without warm-up the first forecasts have nothing to go on.
        let cold = try DryrunLoop.run(intervals: live, engine: try makeEngine(settings60()), predictor: .constant)
        XCTAssertEqual(cold.series.estRR, [0, 0, 0, 3, 0])
        XCTAssertNil(cold.warmup)
    }

    func testMissingWarmupTraceWarnsAndContinues() {
        let outcome = WarmupTrace.load(path: "/nonexistent/warmup.jsonl", intervalSeconds: 60)
        XCTAssertNil(outcome.history)
        XCTAssertTrue(outcome.warning?.contains("/nonexistent/warmup.jsonl") ?? false, outcome.warning ?? "no warning")
        XCTAssertTrue(outcome.warning?.contains("without warm-up") ?? false)
    }

    func testMalformedWarmupTraceWarnsAndContinues() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("warmup-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let bad = dir.appendingPathComponent("bad.jsonl")
        try Data("{\"timestamp\": 0, \"input_length\": 10, \"output_length\": 5}\nnot json\n".utf8).write(to: bad)
        let outcome = WarmupTrace.load(path: bad.path, intervalSeconds: 60)
        XCTAssertNil(outcome.history)
        XCTAssertTrue(outcome.warning?.contains("bad.jsonl") ?? false, outcome.warning ?? "no warning")
    }

    /// Needs the real trace reader.
    func testGoodWarmupTraceIsExtractedAtThePlannersInterval() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("warmup-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let good = dir.appendingPathComponent("warm.jsonl")
        let lines = [(0, 100, 10), (30_000, 300, 30), (61_000, 50, 5), (185_000, 20, 2)]
            .map { "{\"timestamp\": \($0.0), \"input_length\": \($0.1), \"output_length\": \($0.2)}" }
        try Data((lines.joined(separator: "\n") + "\n").utf8).write(to: good)
        let outcome = WarmupTrace.load(path: good.path, intervalSeconds: 60)
        XCTAssertNil(outcome.warning)
        let h = try XCTUnwrap(outcome.history)
        XCTAssertEqual(h.requestCounts, [2, 1, 0, 1])
        XCTAssertEqual(h.isl, [200, 50, 0, 20])
        XCTAssertEqual(h.times, [-240, -180, -120, -60])
    }
}
