import XCTest
@testable import PlannerCore

/// SLA feedback, the scale-down hold and headroom per pool (docs/planning.md "Headroom chosen by the SLA").
final class SLAHeadroomTests: XCTestCase {
    func testFeedbackTable() {
        let g = SLAFeedback.Gains()     // raise 2 × excess (≤ 0.3), lower 1 %, factor in 1...3
        let rows: [(String, Double, Double?, Double, Double)] = [
            // name, factor, attainment, target, expected
            ("missed by 5 points over 1 % allowed: ×(1 + 2·0.04)", 1.0, 0.95, 0.99, 1.08),
            ("missed by a lot: raise capped at ×1.3", 1.5, 0.5, 0.99, 1.95),
            ("comfortably met: lowered 1 %", 2.0, 1.0, 0.99, 1.98),
            ("met, but with more than half the allowed misses: kept", 1.4, 0.993, 0.99, 1.4),
            ("exactly at the target: kept", 1.4, 0.99, 0.99, 1.4),
            ("never below the floor", 1.0, 1.0, 0.99, 1.0),
            ("never above the ceiling", 2.9, 0.0, 0.99, 3.0),
            ("nothing observed: kept", 1.7, nil, 0.99, 1.7),
            ("NaN attainment: kept", 1.7, .nan, 0.99, 1.7),
            ("NaN factor restarts at 1 then moves", .nan, 0.95, 0.99, 1.08),
            ("attainment above 1 is read as 1", 2.0, 7, 0.99, 1.98),
        ]
        for (name, factor, attainment, target, expected) in rows {
            XCTAssertEqual(SLAFeedback.next(factor: factor, attainment: attainment, target: target, gains: g), expected,
                           accuracy: 1e-12, name)
        }
    }

    func testFeedbackRecoversAfterAMissedInterval() {
        var f = 1.0
        f = SLAFeedback.next(factor: f, attainment: 0.9, target: 0.99)
        XCTAssertEqual(f, 1.18, accuracy: 1e-12)
        for _ in 0..<1000 { f = SLAFeedback.next(factor: f, attainment: 1, target: 0.99) }
        XCTAssertEqual(f, 1.0)
    }

    func testScaleDownHoldTable() {
        let rows: [(Int, Int?, Int)] = [(3, nil, 3), (3, 2, 3), (2, 3, 3), (4, 4, 4), (0, 1, 1)]
        for (current, previous, expected) in rows {
            XCTAssertEqual(ScaleDownHold.target(current: current, previous: previous), expected, "\(current) after \(String(describing: previous))")
        }
    }

    func testMissesWhileOrderedWorkersStartDoNotMoveTheFactor() {
        // (served from the interval's start, asked for the interval, counts)
        let table: [(Int?, Int?, Bool)] = [
            (nil, nil, false), (1, nil, true), (nil, 3, false),   // the first interval: the initial deployment's
            (1, 3, false),   // cold start: three ordered, one serving
            (3, 3, true), (4, 3, true), (0, 0, true), (2, 3, false),
        ]
        for (served, asked, counts) in table {
            XCTAssertEqual(SLAFeedback.countsInterval(served: served, asked: asked), counts, "\(String(describing: served)) / \(String(describing: asked))")
        }
    }

    func testAnIntervalAfterAShortOneDoesNotCount() {
        // (served, asked) per interval of one pool, and whether each counts: the first interval
        // (no served count) never does; an interval counts only after one that also ran as asked.
        let run: [(Int?, Int?, Bool)] = [
            (nil, nil, false),  // first interval: the initial deployment
            (1, 2, false),      // two ordered, one serving
            (2, 2, false),      // ran as asked, but the backlog of the short interval finishes now
            (2, 2, true),
            (3, 3, true),
            (3, 4, false),      // a scale-up still starting
            (4, 4, false),
            (4, 3, true),       // more than asked
        ]
        var gate = SLAFeedback.IntervalGate()
        for (k, (served, asked, counts)) in run.enumerated() {
            XCTAssertEqual(gate.counts(served: served, asked: asked), counts, "interval \(k)")
        }
    }

    func testDefaultsPerKind() {
        var c = LoadPredictorConfiguration()
        c.kind = .arima
        XCTAssertEqual(c.headroomResolved, .dynamo, "Dynamo's predictors keep Dynamo's sizing")
        c.kind = .auto
        let auto = c.headroomResolved
        XCTAssertEqual(auto.decodeHeadroom, LoadPredictorConfiguration.autoDefaultDecodeHeadroom)
        XCTAssertEqual(c.forecastHeadroomResolved, LoadPredictorConfiguration.autoDefaultHeadroom)
        XCTAssertEqual(auto.targetAttainment, LoadPredictorConfiguration.autoDefaultTargetAttainment)
        XCTAssertEqual(auto.holdScaleDown, LoadPredictorConfiguration.autoDefaultHoldScaleDown)
        c.decodeHeadroom = nil
        XCTAssertEqual(c.headroomResolved.decodeHeadroom, LoadPredictorConfiguration.autoDefaultDecodeHeadroom)
        c.kind = .kalman
        XCTAssertEqual(c.forecastHeadroomResolved, 1)
        c.kind = .auto
        c.noTargetAttainment = true
        c.holdScaleDown = false
        XCTAssertEqual(c.headroomResolved, SLAHeadroomSettings(decodeHeadroom: LoadPredictorConfiguration.autoDefaultDecodeHeadroom))
        c.kind = .kalman
        c.noTargetAttainment = false
        c.targetAttainment = 0.99
        XCTAssertEqual(c.headroomResolved.targetAttainment, 0.99)
    }

    func testDecodeHeadroomSizesDecodeApart() throws {
        var c = LoadPredictorConfiguration()
        c.kind = .constant
        c.forecastHeadroom = 2
        let engine = try PlannerDecisionEngine(settings: settings60(budget: -1), profile: linearProfile(),
                                               predictor: c)
        engine.observe(requestCount: 100, isl: 1000, osl: 100)
        XCTAssertEqual(engine.predictLoad(), PredictedLoad(requestCount: 200, isl: 1000, osl: 100))
        engine.headroom.decodeHeadroom = 1.5
        XCTAssertEqual(engine.predictLoad(), PredictedLoad(requestCount: 200, isl: 1000, osl: 100, decodeRequestCount: 150))
        let both = engine.decide(PredictedLoad(requestCount: 200, isl: 1000, osl: 100))
        let apart = engine.decide(PredictedLoad(requestCount: 200, isl: 1000, osl: 100, decodeRequestCount: 20))
        XCTAssertEqual(apart.prefill, both.prefill)
        XCTAssertLessThanOrEqual(apart.decode, both.decode)
    }

    func testFeedbackAndHoldInTheEngine() throws {
        var c = LoadPredictorConfiguration()
        c.kind = .constant
        c.targetAttainment = 0.99
        c.holdScaleDown = true
        let engine = try PlannerDecisionEngine(settings: settings60(budget: -1), profile: linearProfile(),
                                               predictor: c)
        engine.observe(requestCount: 100, isl: 1000, osl: 100)
        engine.observeAttainment(ttft: 0.9, itl: 1)
        XCTAssertEqual(engine.feedbackFactors.prefill, 1.18, accuracy: 1e-12)
        XCTAssertEqual(engine.feedbackFactors.decode, 1)
        XCTAssertEqual(engine.predictLoad().requestCount, 118, accuracy: 1e-9)
        XCTAssertEqual(engine.predictLoad().decodeRequestCount ?? 0, 100, accuracy: 1e-9)
        let big = ScalingDecision(prefill: 5, decode: 4, requestedPrefill: 5, requestedDecode: 4, budgetLimited: false,
                                  decodeSLAInfeasible: false)
        var small = big
        small.prefill = 2
        small.decode = 1
        XCTAssertEqual(engine.holdScaleDown(big), big)
        XCTAssertEqual(engine.holdScaleDown(small).prefill, 5, "the first decision asking for fewer is held")
        XCTAssertEqual(engine.holdScaleDown(small).prefill, 2, "the second one in a row is applied")
    }
}
