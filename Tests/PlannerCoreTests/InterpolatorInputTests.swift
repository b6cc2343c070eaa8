import Foundation
import PlannerCore
import PlannerNumerics
import XCTest

/// Bad profiles end in a clear thrown error or the documented fallback, never a trap.
final class InterpolatorInputTests: XCTestCase {
    private func prefill(_ isl: [Double], _ ttft: [Double]? = nil) -> PrefillProfile {
        PrefillProfile(isl: isl, ttftMilliseconds: ttft ?? isl.map { 10 + $0 / 100 }, throughputPerGPU: isl.map { 1000 + $0 })
    }

    private func decode(_ pts: [(Double, Double)], maxKV: Int = 1000) -> DecodeProfile {
        DecodeProfile(kvUsage: pts.map(\.0), contextLength: pts.map(\.1), itlMilliseconds: pts.map { 5 + $0.0 * 10 + $0.1 / 1000 },
                      throughputPerGPU: pts.map { 100 + $0.0 * 50 }, maxKVTokens: maxKV)
    }

    private let grid: [(Double, Double)] = [(0.1, 100), (0.5, 100), (0.9, 100), (0.2, 500), (0.6, 500), (0.95, 500), (0.3, 900), (0.7, 900)]

    func testPrefillUnsortedInputIsSorted() throws {
        let sorted = try PrefillInterpolator(profile: prefill([100, 200, 400, 800, 1600]))
        let shuffled = try PrefillInterpolator(profile: prefill([800, 100, 1600, 400, 200]))
        for isl in stride(from: 50.0, through: 2000, by: 37) {
            XCTAssertEqual(sorted.interpolateTTFT(isl), shuffled.interpolateTTFT(isl), accuracy: 1e-12)
        }
    }

    func testPrefillRepeatedISLIsMergedIntoMean() throws {
        let p = PrefillProfile(isl: [100, 200, 200, 400, 800], ttftMilliseconds: [1, 2, 4, 5, 9], throughputPerGPU: [1, 1, 1, 1, 1])
        let interp = try PrefillInterpolator(profile: p)
        XCTAssertEqual(interp.interpolateTTFT(200), 3, accuracy: 1e-12)
        XCTAssertEqual(interp.interpolateThroughputPerGPU(300), 1, accuracy: 1e-12)
    }

    func testPrefillClampsAndFallsBackForFewPoints() throws {
        let line = try PrefillInterpolator(profile: prefill([100, 300]))
        XCTAssertEqual(line.interpolateTTFT(200), 12, accuracy: 1e-12)
        XCTAssertEqual(line.interpolateTTFT(1e9), 13, accuracy: 1e-12)   // clamped to isl 300
        XCTAssertEqual(line.interpolateTTFT(-5), 11, accuracy: 1e-12)    // clamped to isl 100
        let parabola = try PrefillInterpolator(profile: prefill([0, 1, 2], [0, 1, 4]))
        XCTAssertEqual(parabola.interpolateTTFT(1.5), 2.25, accuracy: 1e-12)
        XCTAssertThrowsError(try PrefillInterpolator(profile: prefill([100])))
        XCTAssertThrowsError(try PrefillInterpolator(profile: prefill([])))
    }

    func testPrefillRejectsNonFiniteAndMismatched() {
        XCTAssertThrowsError(try PrefillInterpolator(profile: prefill([100, .nan, 300, 400]))) { error in
            XCTAssertEqual(error as? InterpolationInputError, .nonFinite(what: "prefill profile", index: 1))
        }
        XCTAssertThrowsError(try PrefillInterpolator(profile: prefill([100, 200, 300, 400], [1, 2, .infinity, 4])))
        XCTAssertThrowsError(try PrefillInterpolator(profile: PrefillProfile(isl: [1, 2, 3, 4], ttftMilliseconds: [1], throughputPerGPU: [1, 2, 3, 4])))
    }

    func testDecodeRejectsBadProfiles() {
        XCTAssertThrowsError(try DecodeInterpolator(profile: decode(Array(grid.prefix(2))))) { error in
            XCTAssertEqual(error as? InterpolationInputError, .tooFewPoints(what: "decode profile", needed: 3, got: 2))
        }
        XCTAssertThrowsError(try DecodeInterpolator(profile: decode([(0.1, 100), (0.2, 100), (0.5, 100), (0.9, 100)]))) { error in
            XCTAssertEqual(error as? InterpolationInputError, .collinear(what: "decode profile"))
        }
        var nan = decode(grid)
        nan.itlMilliseconds[3] = .nan
        XCTAssertThrowsError(try DecodeInterpolator(profile: nan)) { error in
            XCTAssertEqual(error as? InterpolationInputError, .nonFinite(what: "decode profile", index: 3))
        }
        var inf = decode(grid)
        inf.contextLength[0] = .infinity
        XCTAssertThrowsError(try DecodeInterpolator(profile: inf))
        XCTAssertThrowsError(try DecodeInterpolator(profile: decode(grid, maxKV: 0)))
        XCTAssertThrowsError(try DecodeInterpolator(profile: decode(grid), resolution: 1))
        XCTAssertThrowsError(try DecodeInterpolator(profile: decode(grid), resolution: 1 << 40))
        XCTAssertThrowsError(try DecodeInterpolator(profile: decode([]), method: .thinPlate))
    }

    func testDecodeMergesCoincidingPoints() throws {
        var p = decode(grid + [grid[4]])
        p.itlMilliseconds[p.itlMilliseconds.count - 1] = p.itlMilliseconds[4] + 2
        let merged = try DecodeInterpolator(profile: p, resolution: 30)
        var q = decode(grid)
        q.itlMilliseconds[4] += 1
        let expected = try DecodeInterpolator(profile: q, resolution: 30)
        XCTAssertEqual(merged.itlGrid, expected.itlGrid)
    }

    func testInfeasibleSLAIsReported() throws {
        let d = try DecodeInterpolator(profile: decode(grid), resolution: 20)
        let none = d.findBestThroughputPerGPU(itlMilliseconds: 0.1, contextLength: 500)
        XCTAssertFalse(none.feasible)
        XCTAssertEqual(none.kvUsage, 0)
        let all = d.findBestThroughputPerGPU(itlMilliseconds: 1e9, contextLength: 500)
        XCTAssertTrue(all.feasible)
        XCTAssertEqual(all.kvUsage, 1)
        XCTAssertFalse(d.findBestThroughputPerGPU(itlMilliseconds: .nan, contextLength: 500).feasible)
    }

    func testThinPlateIsExactAtSamplesAndDefinedEverywhere() throws {
        // a profile on the grid's own nodes: the surface must reproduce the samples
        let res = 11
        let pts: [(Double, Double)] = [(0.1, 200), (0.5, 200), (0.9, 200), (0.3, 600), (0.8, 600), (0.2, 1000), (0.6, 1000), (1.0, 1000)]
        var profile = decode(pts)
        profile.itlMilliseconds = pts.map { 5 + 10 * $0.0 * $0.0 + sin($0.1 / 300) }
        let d = try DecodeInterpolator(profile: profile, resolution: res, method: .thinPlate)
        for (k, p) in pts.enumerated() {
            let i = Int((p.0 * 10).rounded()), j = Int((p.1 / 100).rounded())
            XCTAssertEqual(d.itlGrid[j * res + i], profile.itlMilliseconds[k], accuracy: 1e-9)
        }
        XCTAssertTrue(d.itlGrid.allSatisfy { $0.isFinite && $0 >= 0 })
        XCTAssertTrue(d.throughputGrid.allSatisfy { $0.isFinite && $0 >= 0 })
    }
}
