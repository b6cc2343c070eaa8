import XCTest
@testable import PlannerCore

/// KalmanPredictor against filterpy 2.0 through the reference planner
/// (tools/ref_planner.py): every forecast within 1e-9 relative
/// (absolute 1e-9 below magnitude 1).
final class KalmanTests: XCTestCase {
    private func kalman(log1p: Bool = false, r: Double = 10, qLevel: Double = 1, qTrend: Double = 0.1,
                        minPoints: Int = 5) -> KalmanPredictor {
        var c = LoadPredictorConfiguration()
        c.kind = .kalman
        c.log1p = log1p
        c.kalmanR = r
        c.kalmanQLevel = qLevel
        c.kalmanQTrend = qTrend
        c.kalmanMinPoints = minPoints
        return KalmanPredictor(configuration: c)
    }

    /// Tests/Goldens/reference/predict_{trace}_60_{field}_kalman[_log1p].json:
    /// both shared traces, all three fields, default flags.
    func testSharedGoldens() throws {
        let cases = try PredictGoldens.load(folder: "reference") { $0.hasPrefix("predict_") && $0.contains("_kalman") }
        XCTAssertEqual(cases.count, 12)
        for c in cases {
            PredictGoldens.assertBacktest(kalman(log1p: c.name.contains("log1p")), c, expected: c.predictions)
        }
    }

    /// Tests/Goldens/kalman/*.json (make_goldens.py): a 600-point cycle (long
    /// enough for the covariance to reach its fixed point), trend, level shifts,
    /// long idle stretches, a decline to silence and spikes, non-default flags.
    /// The reference returns the raw level in raw mode, which goes negative on
    /// declines; this predictor clips forecasts at 0 (docs/behaviour.md §3, issue 4), so
    /// the golden is compared after the same clip.
    func testOwnGoldens() throws {
        let cases = try PredictGoldens.load(folder: "kalman") { _ in true }
        XCTAssertEqual(cases.count, 16)
        var clipped = 0
        for c in cases {
            let config = try XCTUnwrap(c.object["config"] as? [String: Any], c.name)
            let predictor = kalman(
                log1p: try XCTUnwrap(config["log1p"] as? Bool), r: try XCTUnwrap(config["r"] as? Double),
                qLevel: try XCTUnwrap(config["q_level"] as? Double), qTrend: try XCTUnwrap(config["q_trend"] as? Double),
                minPoints: try XCTUnwrap(config["min_points"] as? Int))
            clipped += c.predictions.filter { $0 < 0 }.count
            PredictGoldens.assertBacktest(predictor, c, expected: c.predictions.map { max(0, $0) })
        }
        XCTAssertGreaterThan(clipped, 0, "the goldens should exercise the clip at zero")
    }

    func testPredictNextTwiceDoesNotAdvanceTheFilter() {
        let series: [Double] = [10, 12, 15, 13, 18, 21, 19, 25, 30, 28]
        let once = kalman(), twice = kalman()
        for v in series {
            let a = once.predictNext()
            let b1 = twice.predictNext(), b2 = twice.predictNext()
            XCTAssertEqual(a, b1)
            XCTAssertEqual(b1, b2)
            once.add(v); twice.add(v)
        }
    }

    func testMinimumPointsGateReturnsTheLastValue() {
        let k = kalman(minPoints: 4)
        XCTAssertEqual(k.predictNext(), 0)
        for (i, v) in [7.0, 9, 11].enumerated() {
            k.add(v)
            XCTAssertEqual(k.predictNext(), v, "point \(i + 1) of 3 is below the minimum")
        }
        k.add(13)
        XCTAssertNotEqual(k.predictNext(), 13)   // the filter extrapolates the trend now
    }

    func testLeadingZerosSkippedUntilTrafficAndAfterReset() {
        let skipping = kalman(minPoints: 1), plain = kalman(minPoints: 1)
        for v in [0.0, 0, .nan, 5, 6, 0, 7] { skipping.add(v) }
        for v in [5.0, 6, 0, 7] { plain.add(v) }
        XCTAssertEqual(skipping.predictNext(), plain.predictNext())
        skipping.resetIdleSkip(); plain.resetIdleSkip()
        for v in [0.0, 0, 8] { skipping.add(v) }
        plain.add(8)
        XCTAssertEqual(skipping.predictNext(), plain.predictNext())
    }

    func testNaNCountsAsZeroAndInfinityIsDropped() {
        let withBad = kalman(), clean = kalman()
        for v in [40.0, 42, .nan, 45, .infinity, 47, -.infinity, 50, 52] { withBad.add(v) }
        for v in [40.0, 42, 0, 45, 47, 50, 52] { clean.add(v) }
        XCTAssertEqual(withBad.predictNext(), clean.predictNext())
        XCTAssertTrue(withBad.predictNext().isFinite)
    }

    func testConstantAndZeroSeries() {
        for log1p in [false, true] {
            let k = kalman(log1p: log1p)
            for _ in 0..<200 { k.add(37) }
            XCTAssertEqual(k.predictNext(), 37, accuracy: 1e-9 * 37)
            let zeros = kalman(log1p: log1p)
            for _ in 0..<50 { zeros.add(0) }
            XCTAssertEqual(zeros.predictNext(), 0)
        }
    }

    func testOneToFourPointsReturnTheLastValue() {
        for n in 1...4 {
            let k = kalman()
            for i in 0..<n { k.add(Double(10 * (i + 1))) }
            XCTAssertEqual(k.predictNext(), Double(10 * n))
        }
    }

    func testHugeValues() {
        for log1p in [false, true] {
            let k = kalman(log1p: log1p)
            for i in 0..<30 { k.add(1e15 * (1 + 0.01 * Double(i % 3))) }
            let f = k.predictNext()
            XCTAssertTrue(f.isFinite)
            XCTAssertEqual(f, 1.01e15, accuracy: 0.03e15)
        }
        // Near the top of the double range the state overflows; the filter
        // restarts and keeps forecasting finite, non-negative values.
        let k = kalman(minPoints: 1)
        for v in [1e308, -1e308, 1.7e308, 1.7e308, -1.7e308, 5, 6] {
            k.add(v)
            let f = k.predictNext()
            XCTAssertTrue(f.isFinite && f >= 0, "forecast \(f) after \(v)")
        }
    }

    func testHostileInputNeverGivesNaNOrNegativeForecasts() {
        var rng = SystemRandomNumberGenerator()
        let pool: [Double] = [.nan, .infinity, -.infinity, 0, -5, 1e-300, 1e15, 1e300, -1e300, 3, 1e308]
        for log1p in [false, true] {
            for minPoints in [1, 5] {
                let k = kalman(log1p: log1p, minPoints: minPoints)
                for _ in 0..<2_000 {
                    k.add(pool.randomElement(using: &rng) ?? 0)
                    let f = k.predictNext()
                    XCTAssertTrue(f.isFinite && f >= 0, "forecast \(f)")
                    if !(f.isFinite && f >= 0) { return }
                }
            }
        }
    }

    func testNonFiniteOrTinyNoiseSettings() {
        // Non-finite settings fall back to the defaults; R and Q have floors.
        let nanR = kalman(r: .nan), defaults = kalman()
        let zeroNoise = kalman(r: 0, qLevel: 0, qTrend: -1), floors = kalman(r: 1e-9, qLevel: 1e-12, qTrend: 1e-12)
        for v in [3.0, 8, 4, 9, 12, 7, 15, 14] {
            nanR.add(v); defaults.add(v); zeroNoise.add(v); floors.add(v)
        }
        XCTAssertEqual(nanR.predictNext(), defaults.predictNext())
        XCTAssertEqual(zeroNoise.predictNext(), floors.predictNext())
        XCTAssertTrue(zeroNoise.predictNext().isFinite)
    }

    /// Once the covariance reaches its fixed point the predictor stops running
    /// the Riccati recursion; the forecasts must stay bit for bit those of the
    /// full algebra (written out here without the shortcut).
    func testFixedPointShortcutIsBitExact() {
        for (r, qLevel, qTrend) in [(10.0, 1.0, 0.1), (0.5, 5, 0.001), (1e-9, 1e-12, 1e-12), (1000, 0.01, 0.1), (10, 1e-12, 1e-12)] {
            let k = kalman(r: r, qLevel: qLevel, qTrend: qTrend, minPoints: 1)
            var x0 = 0.0, x1 = 0.0, p = (1000.0, 0.0, 0.0, 1000.0), started = false
            for i in 0..<3_000 {
                let z = 50 + 30 * sin(Double(i) / 17) + Double((i * 7919) % 11)
                if started {
                    x0 = x0 + x1
                    let a00 = p.0 + p.2, a01 = p.1 + p.3
                    p = ((a00 + a01) + qLevel, a01, p.2 + p.3, p.3 + qTrend)
                    XCTAssertEqual(k.predictNext().bitPattern, max(0, x0).bitPattern, "step \(i), r \(r)")
                    let y = z - x0, si = 1 / (p.0 + r), k0 = p.0 * si, k1 = p.2 * si
                    x0 = x0 + k0 * y; x1 = x1 + k1 * y
                    let c = 1 - k0, d = -k1
                    let b00 = c * p.0, b01 = c * p.1, b10 = d * p.0 + p.2, b11 = d * p.1 + p.3
                    let kr0 = k0 * r, kr1 = k1 * r
                    p = (b00 * c + kr0 * k0, (b00 * d + b01) + kr0 * k1, b10 * c + kr1 * k0, (b10 * d + b11) + kr1 * k1)
                } else {
                    x0 = z; started = true
                }
                k.add(z)
            }
        }
    }
}
