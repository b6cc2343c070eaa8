@testable import PlannerCore
import XCTest

/// Prefill curves and decode grids against scipy 1.17 (`ref_planner.py interp`).
/// Tolerances (issue 3): prefill within 1e-9 relative; decode grids with at
/// least 99.9 % of cells within 1e-6 relative and every cell within 1e-3; the
/// best-throughput table equal (same cell: same KV usage, values within 1e-9).
final class InterpolatorGoldenTests: XCTestCase {
    /// (profile directory, golden, resolution)
    static let cases: [(String, String, Int)] = [
        ("data/profiles/h200_llama8b_tp1", "Tests/Goldens/reference/interp_h200_llama8b_tp1.json", 100),
        ("Tests/Fixtures/profiles/h100_qwen32b_tp2", "Tests/Goldens/reference/interp_h100_qwen32b_tp2.json", 100),
    ] + ["a100_llama70b_tp4", "h200_mixtral_tp2_sparse", "l40s_qwen7b_tp1_dense", "tiny6_llama8b", "dense200_llama8b"].map {
        ("Tests/Goldens/interp/\($0)", "Tests/Goldens/interp/interp_\($0)_res40.json", 40)
    }

    func testPrefillCurvesMatchScipy() throws {
        for (dir, goldenPath, _) in Self.cases {
            let profile = try InterpolationFixtures.profile(dir)
            let golden = try InterpolationFixtures.golden(goldenPath)
            let prefill = try PrefillInterpolator(profile: profile.prefill)
            XCTAssertEqual(golden.isl.count, 200, dir)
            var worst = 0.0
            for (k, isl) in golden.isl.enumerated() {
                worst = max(worst, InterpolationFixtures.relative(prefill.interpolateTTFT(isl), golden.ttft[k]))
                worst = max(worst, InterpolationFixtures.relative(prefill.interpolateThroughputPerGPU(isl), golden.thpt[k]))
            }
            XCTAssertLessThanOrEqual(worst, 1e-9, "\(dir): worst relative prefill error")
        }
    }

    func testDecodeGridsMatchScipy() throws {
        for (dir, goldenPath, resolution) in Self.cases {
            let profile = try InterpolationFixtures.profile(dir)
            let golden = try InterpolationFixtures.golden(goldenPath)
            let decode = try DecodeInterpolator(profile: profile.decode, resolution: resolution)
            XCTAssertEqual(golden.itlGrid.count, resolution, dir)
            for (name, grid, ours) in [("itl", golden.itlGrid, decode.itlGrid), ("thpt", golden.thptGrid, decode.throughputGrid)] {
                var within = 0, worst = 0.0
                for j in 0..<resolution {
                    for i in 0..<resolution {
                        let e = InterpolationFixtures.relative(ours[j * resolution + i], grid[j][i])
                        if e <= 1e-6 { within += 1 }
                        worst = max(worst, e.isNaN ? .infinity : e)
                    }
                }
                let fraction = Double(within) / Double(resolution * resolution)
                XCTAssertGreaterThanOrEqual(fraction, 0.999, "\(dir) \(name): share of cells within 1e-6")
                XCTAssertLessThanOrEqual(worst, 1e-3, "\(dir) \(name): worst cell")
            }
        }
    }

    func testBestThroughputTableMatchesScipy() throws {
        for (dir, goldenPath, resolution) in Self.cases {
            let profile = try InterpolationFixtures.profile(dir)
            let golden = try InterpolationFixtures.golden(goldenPath)
            let decode = try DecodeInterpolator(profile: profile.decode, resolution: resolution)
            XCTAssertEqual(golden.best.count, 84, dir)
            for row in golden.best {
                let best = decode.findBestThroughputPerGPU(itlMilliseconds: row[0], contextLength: row[1])
                XCTAssertEqual(best.kvUsage, row[4], "\(dir) itl \(row[0]) ctx \(row[1])")
                XCTAssertLessThanOrEqual(InterpolationFixtures.relative(best.throughputPerGPU, row[2]), 1e-9, dir)
                XCTAssertLessThanOrEqual(InterpolationFixtures.relative(best.itlMilliseconds, row[3]), 1e-9, dir)
                XCTAssertEqual(best.feasible, best.itlMilliseconds <= row[0], dir)
            }
        }
    }

    /// Look-ups index the grid as the reference does: round half to even, clipped.
    func testLookupUsesReferenceCellRule() throws {
        let profile = try InterpolationFixtures.profile("data/profiles/h200_llama8b_tp1")
        let decode = try DecodeInterpolator(profile: profile.decode, resolution: 100)
        let maxKV = Double(profile.decode.maxKVTokens)
        let ctx = decode.yi[40]
        let conc17 = decode.xi[17] * maxKV / ctx
        XCTAssertEqual(decode.interpolateITL(concurrency: conc17, contextLength: ctx), decode.itlGrid[40 * 100 + 17])
        XCTAssertEqual(decode.interpolateThroughputPerGPU(concurrency: conc17, contextLength: ctx), decode.throughputGrid[40 * 100 + 17])
        // numpy rounds half to even: 2.5 → 2, 3.5 → 4
        let axis: [Double] = [0, 1, 2, 3, 4]
        XCTAssertEqual(DecodeInterpolator.index(2.5, axis: axis), 2)
        XCTAssertEqual(DecodeInterpolator.index(3.5, axis: axis), 4)
        XCTAssertEqual(DecodeInterpolator.index(.infinity, axis: axis), 4)
        XCTAssertEqual(DecodeInterpolator.index(-.infinity, axis: axis), 0)
        // far outside both axes → the last row/column; NaN → cell 0
        XCTAssertEqual(decode.interpolateITL(concurrency: 1e12, contextLength: 1e9), decode.itlGrid[100 * 100 - 1])
        XCTAssertEqual(decode.interpolateITL(concurrency: .nan, contextLength: .nan), decode.itlGrid[0])
        XCTAssertEqual(decode.interpolateITL(concurrency: -5, contextLength: -5), decode.itlGrid[0])
    }

    /// Thin-plate surfaces against scipy's RBFInterpolator(kernel="thin_plate_spline")
    /// on the same unit-square coordinates (Tests/Goldens/interp/make_tps_golden.py):
    /// the same linear system solved two ways, so 1e-8 relative (or 1e-9 absolute
    /// where the floored surface is near zero).
    func testThinPlateMatchesScipyRBF() throws {
        let profile = try InterpolationFixtures.profile("data/profiles/h200_llama8b_tp1")
        let golden = try InterpolationFixtures.golden("Tests/Goldens/interp/tps_h200_llama8b_tp1_res25.json")
        let decode = try DecodeInterpolator(profile: profile.decode, resolution: 25, method: .thinPlate)
        for (grid, ours) in [(golden.itlGrid, decode.itlGrid), (golden.thptGrid, decode.throughputGrid)] {
            XCTAssertEqual(grid.count, 25)
            for j in 0..<25 {
                for i in 0..<25 {
                    let e = abs(ours[j * 25 + i] - grid[j][i])
                    XCTAssertLessThanOrEqual(e, max(1e-8 * abs(grid[j][i]), 1e-9), "cell (\(j), \(i))")
                }
            }
        }
    }
}
