import XCTest
@testable import PlannerCore

/// min_gpu_budget (Dynamo 1.x): a floor under the ceiling; equal to the ceiling it
/// pins the total and only the prefill/decode split follows the load. Expected
/// values worked by hand from the rule in ScalingMath.globalBudget.
final class BudgetFloorTests: XCTestCase {
    func testGlobalBudgetWithAFloor() {
        // (p, d, gp, gd, max, min, pMin, dMin) → (p, d)
        let table: [(Int, Int, Int, Int, Int, Int, Int, Int, Int, Int, String)] = [
            (1, 1, 1, 1, 8, -1, 1, 1, 1, 1, "no floor: unchanged"),
            (1, 1, 1, 1, 8, 8, 1, 1, 4, 4, "pinned 8: grown by 8/2 each"),
            (3, 1, 1, 1, 8, 8, 1, 1, 6, 2, "pinned 8: split follows 3:1"),
            (1, 3, 1, 1, 8, 8, 1, 1, 2, 6, "pinned 8: split follows 1:3"),
            (6, 6, 1, 1, 8, 8, 1, 1, 4, 4, "pinned 8 from above: the ceiling rule"),
            (5, 3, 1, 1, 8, 8, 1, 1, 5, 3, "exactly the pinned total: unchanged"),
            (1, 1, 1, 1, -1, 6, 1, 1, 3, 3, "floor without a ceiling"),
            (4, 4, 1, 1, -1, 6, 1, 1, 4, 4, "above the floor: unchanged"),
            (0, 0, 1, 1, 8, 8, 0, 0, 4, 4, "from nothing: the floor split in halves"),
            (1, 1, 2, 2, 8, 8, 1, 1, 2, 2, "2-GPU engines: pinned exactly"),
            (1, 1, 2, 2, 9, 9, 1, 1, 2, 2, "9 with 2-GPU engines: grown to 10, shrunk under the ceiling to 8"),
            (1, 1, 1, 4, 12, 12, 1, 1, 2, 2, "mixed sizes: grown to 15, fit under 12 at 10"),
            (2, 1, 1, 1, 8, 6, 2, 3, 4, 3, "role floors: decode floor 3 lifts the total to 7"),
        ]
        for (p, d, gp, gd, mx, mn, pMin, dMin, ep, ed, label) in table {
            let got = ScalingMath.globalBudget(prefill: p, decode: d, prefillEngineGPUs: gp, decodeEngineGPUs: gd,
                                               maxGPUBudget: mx, minGPUBudget: mn, prefillMinEndpoint: pMin, decodeMinEndpoint: dMin)
            XCTAssertEqual(got.prefill, ep, label)
            XCTAssertEqual(got.decode, ed, label)
            let total = got.prefill * gp + got.decode * gd
            if mx >= 0 { XCTAssertLessThanOrEqual(total, mx, "never over the ceiling: \(label)") }
            if mn >= 0 { XCTAssertGreaterThan(total, mn - max(gp, gd), "within one engine of the floor: \(label)") }
        }
    }

    func testPinnedTotalOnlyMovesTheSplit() {
        // Any demand (the engine never asks for fewer than the minimum endpoints), one GPU
        // per engine, min == max == 10: the total is always 10.
        for p in 1...12 {
            for d in 1...12 {
                let got = ScalingMath.globalBudget(prefill: p, decode: d, prefillEngineGPUs: 1, decodeEngineGPUs: 1,
                                                   maxGPUBudget: 10, minGPUBudget: 10, prefillMinEndpoint: 1, decodeMinEndpoint: 1)
                XCTAssertEqual(got.prefill + got.decode, 10, "p \(p) d \(d)")
                XCTAssertGreaterThanOrEqual(got.prefill, 1)
                XCTAssertGreaterThanOrEqual(got.decode, 1)
            }
        }
    }

    func testComponentBudgetWithAFloor() {
        // (replicas, gpus, max, min, minEndpoint) → replicas
        let table: [(Int, Int, Int, Int, Int, Int, String)] = [
            (1, 1, 8, 4, 1, 4, "raised to the floor"),
            (1, 2, 8, 5, 1, 3, "ceil(5/2)"),
            (1, 2, 5, 5, 1, 2, "ceil(5/2)=3 passes the ceiling 5: floor(5/2)"),
            (6, 1, 8, 4, 1, 6, "above the floor: unchanged"),
            (12, 1, 8, 8, 1, 8, "pinned: the ceiling rule"),
            (1, 1, -1, 3, 1, 3, "floor without a ceiling"),
        ]
        for (r, g, mx, mn, me, expected, label) in table {
            XCTAssertEqual(ScalingMath.componentBudget(replicas: r, engineGPUs: g, maxGPUBudget: mx, minGPUBudget: mn,
                                                       minEndpoint: me), expected, label)
        }
    }

    func testSettingsRefuseAFloorAboveTheCeilingAndMisplacedRoleFloors() {
        var s = PlannerSettings()
        s.minGPUBudget = 9
        s.maxGPUBudget = 8
        XCTAssertThrowsError(try s.validate()) { XCTAssertEqual(($0 as? PlannerSettingsError)?.setting, "--min-gpu-budget") }
        s.maxGPUBudget = -1
        XCTAssertNoThrow(try s.validate(), "a floor without a ceiling is fine")
        s = PlannerSettings()
        s.mode = .prefill
        s.decodeMinEndpoint = 2
        XCTAssertThrowsError(try s.validate()) { XCTAssertEqual(($0 as? PlannerSettingsError)?.setting, "--decode-min-endpoint") }
        s = PlannerSettings()
        s.prefillMinEndpoint = 0
        XCTAssertThrowsError(try s.validate())
        s.prefillMinEndpoint = 3
        XCTAssertEqual(s.effectivePrefillMinEndpoint, 3)
        XCTAssertEqual(s.effectiveDecodeMinEndpoint, 1)
    }

    func testDecisionReasons() {
        func decision(_ p: Int, _ d: Int, limited: Bool = false, infeasible: Bool = false) -> ScalingDecision {
            ScalingDecision(prefill: p, decode: d, requestedPrefill: p, requestedDecode: d, budgetLimited: limited,
                            decodeSLAInfeasible: infeasible)
        }
        let now = WorkerCounts(prefill: 2, decode: 2)
        XCTAssertEqual(DecisionReason.of(decision(3, 2), current: now, mode: .disagg), .scaleUp)
        XCTAssertEqual(DecisionReason.of(decision(1, 3), current: now, mode: .disagg), .scaleUp, "any pool up is a scale-up")
        XCTAssertEqual(DecisionReason.of(decision(1, 2), current: now, mode: .disagg), .scaleDown)
        XCTAssertEqual(DecisionReason.of(decision(2, 2), current: now, mode: .disagg), .hold)
        XCTAssertEqual(DecisionReason.of(decision(2, 0), current: now, mode: .prefill), .hold, "decode not planned")
        XCTAssertEqual(DecisionReason.of(decision(3, 2, limited: true), current: now, mode: .disagg), .budgetLimited)
        XCTAssertEqual(DecisionReason.of(decision(3, 2, limited: true, infeasible: true), current: now, mode: .disagg), .slaInfeasible)
    }
}
