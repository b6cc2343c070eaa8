import XCTest
@testable import PlannerCore

/// The load-based rule as a table (in the style of ScalingMathTests).
final class LoadBasedScalingTests: XCTestCase {
    typealias Pool = LoadBasedScaling.PoolObservation

    func testTable() {
        let kv = LoadBasedScaling.Thresholds.decodeKVUtilisation        // high 0.85, low 0.5
        let queue = LoadBasedScaling.Thresholds.prefillQueueTokens      // high 65536, low 8192
        let rows: [(String, Pool, LoadBasedScaling.Thresholds, Int, Int, LoadBasedScaling.Reason)] = [
            // name, pool, thresholds, floor, expected workers, reason
            ("below the floor jumps to it", Pool(workers: 1, load: 0.1), kv, 3, 3, .floor),
            ("in band holds", Pool(workers: 2, load: 0.7), kv, 1, 2, .hold),
            ("over high scales up proportionally", Pool(workers: 2, load: 0.95), kv, 1, 3, .scaleUp),
            ("far over high: ceil(4·0.99/0.675) = 6", Pool(workers: 4, load: 0.99), kv, 1, 6, .scaleUp),
            ("queue: ceil(3·70000/36864) = 6", Pool(workers: 3, load: 70_000), queue, 1, 6, .scaleUp),
            ("at most double per step", Pool(workers: 2, load: 500_000), queue, 1, 4, .scaleUp),
            ("from zero workers: one", Pool(workers: 0, load: 70_000), queue, 0, 1, .scaleUp),
            ("up waits for starting workers", Pool(workers: 3, starting: 1, load: 0.95), kv, 1, 3, .holdStarting),
            ("down after the dwell", Pool(workers: 4, load: 0.2, secondsSinceChange: 120), kv, 1, 3, .scaleDown),
            ("one worker per dwell, even idle", Pool(workers: 6, load: 0.01, secondsSinceChange: 120), kv, 3, 5, .scaleDown),
            ("one fewer would carry 0.8 > setpoint 0.675", Pool(workers: 2, load: 0.4, secondsSinceChange: 600), kv, 1, 2, .hold),
            ("down waits for the dwell", Pool(workers: 4, load: 0.2, secondsSinceChange: 30), kv, 1, 4, .holdDwell),
            // 2 → 1 at KV 0.45 would leave 0.9 > 0.85 on one worker: it would come straight back.
            ("no 2↔1 flapping", Pool(workers: 2, load: 0.45, secondsSinceChange: 600), kv, 1, 2, .holdWouldReverse),
            ("2 → 1 when one worker can carry it", Pool(workers: 2, load: 0.3, secondsSinceChange: 600), kv, 1, 1, .scaleDown),
            ("never below the floor", Pool(workers: 2, load: 0.0, secondsSinceChange: 600), kv, 2, 2, .hold),
            ("idle pool may reach 0 with floor 0", Pool(workers: 1, load: 0, secondsSinceChange: 600), kv, 0, 0, .scaleDown),
            ("one busy worker never goes to 0", Pool(workers: 1, load: 0.1, secondsSinceChange: 600), kv, 0, 1, .holdWouldReverse),
            ("NaN signal holds", Pool(workers: 3, load: .nan), kv, 1, 3, .hold),
            ("negative signal holds", Pool(workers: 3, load: -1), kv, 1, 3, .hold),
        ]
        for (name, pool, thresholds, floor, workers, reason) in rows {
            let got = LoadBasedScaling.target(pool, thresholds: thresholds, floor: floor, minDwellSeconds: 60)
            XCTAssertEqual(got.workers, workers, name)
            XCTAssertEqual(got.reason, reason, name)
        }
    }

    func testMaximumAndBadThresholds() {
        let kv = LoadBasedScaling.Thresholds.decodeKVUtilisation
        XCTAssertEqual(LoadBasedScaling.target(Pool(workers: 4, load: 0.99), thresholds: kv, floor: 1,
                                               minDwellSeconds: 0, maxWorkers: 5).workers, 5)
        XCTAssertEqual(LoadBasedScaling.target(Pool(workers: 1, load: 0.1), thresholds: kv, floor: 7,
                                               minDwellSeconds: 0, maxWorkers: 5).workers, 7, "the floor wins over the cap")
        let inverted = LoadBasedScaling.Thresholds(high: 0.2, low: 0.5)
        XCTAssertFalse(inverted.isValid)
        XCTAssertEqual(LoadBasedScaling.target(Pool(workers: 3, load: 0.9), thresholds: inverted, floor: 1,
                                               minDwellSeconds: 0).reason, .hold)
        // An absurd signal neither traps nor runs away: at most double.
        let huge = LoadBasedScaling.target(Pool(workers: 2, load: 1e300), thresholds: kv, floor: 1, minDwellSeconds: 0)
        XCTAssertEqual(huge.workers, 4)
        let many = LoadBasedScaling.target(Pool(workers: Int.max / 2, load: 1e300), thresholds: kv, floor: 1, minDwellSeconds: 0)
        XCTAssertGreaterThan(many.workers, 1_000_000)
    }
}
