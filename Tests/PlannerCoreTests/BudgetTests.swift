import XCTest
@testable import PlannerCore

/// GPU budgets of docs/behaviour.md §5. The disagg table's expectations come from
/// ref_planner.py's global_budget run on the same inputs.
final class BudgetTests: XCTestCase {
    func testGlobalBudgetTable() {
        // (p, d, GPUs/prefill engine, GPUs/decode engine, budget, min_endpoint) → (p, d)
        let table: [(Int, Int, Int, Int, Int, Int, Int, Int)] = [
            (1, 1, 1, 1, 8, 1, 1, 1),      // under budget: unchanged
            (5, 5, 1, 1, 8, 1, 4, 4),
            (10, 2, 1, 1, 8, 1, 6, 2),
            (2, 10, 1, 1, 8, 1, 1, 7),
            (7, 7, 2, 2, 16, 1, 4, 4),
            (3, 3, 2, 4, 10, 1, 1, 2),
            (9, 1, 1, 1, 8, 1, 7, 1),      // prefill capped so one decode worker fits
            (1, 9, 1, 1, 8, 1, 1, 7),
            (4, 4, 1, 1, 1, 1, 0, 0),      // budget below min_endpoint·(gp+gd)
            (4, 4, 1, 1, 0, 0, 0, 0),
            (4, 4, 1, 1, -1, 1, 4, 4),     // -1: no budget
            (20, 20, 1, 1, 16, 2, 8, 8),
            (100, 3, 4, 1, 16, 1, 3, 4),
            (3, 100, 1, 4, 16, 1, 1, 3),
            (6, 2, 2, 2, 7, 1, 2, 1),      // odd budget, decode takes the floor of what is left
            (5, 5, 3, 2, 4, 1, 0, 0),
            (5, 5, 3, 2, 5, 1, 1, 1),      // exactly the minimum
            (0, 0, 1, 1, 0, 0, 0, 0),
            (12, 1, 1, 1, 16, 1, 12, 1),
        ]
        for (p, d, gp, gd, budget, minEndpoint, ep, ed) in table {
            let got = ScalingMath.globalBudget(prefill: p, decode: d, prefillEngineGPUs: gp, decodeEngineGPUs: gd,
                                               maxGPUBudget: budget, minEndpoint: minEndpoint)
            XCTAssertEqual(got.prefill, ep, "p \(p) d \(d) gp \(gp) gd \(gd) budget \(budget) min \(minEndpoint)")
            XCTAssertEqual(got.decode, ed, "p \(p) d \(d) gp \(gp) gd \(gd) budget \(budget) min \(minEndpoint)")
            if budget >= 0, ep + ed > 0 {
                XCTAssertLessThanOrEqual(got.prefill * gp + got.decode * gd, budget, "never over budget")
            }
        }
    }

    func testComponentBudgetTable() {
        // (replicas, GPUs/engine, budget, min_endpoint) → replicas
        let table: [(Int, Int, Int, Int, Int, String)] = [
            (3, 1, 8, 1, 3, "under budget"),
            (8, 1, 8, 1, 8, "exactly the budget"),
            (12, 1, 8, 1, 8, "clipped to the budget"),
            (5, 2, 8, 1, 4, "two GPUs per engine"),
            (5, 3, 8, 1, 2, "floor of budget / GPUs"),
            (5, 2, 1, 1, 0, "budget below min_endpoint·GPUs → 0"),
            (5, 1, 2, 3, 0, "budget below min_endpoint → 0"),
            (5, 1, 3, 3, 3, "exactly min_endpoint"),
            (50, 1, -1, 1, 50, "no budget"),
        ]
        for (replicas, gpus, budget, minEndpoint, expected, label) in table {
            XCTAssertEqual(ScalingMath.componentBudget(replicas: replicas, engineGPUs: gpus, maxGPUBudget: budget,
                                                       minEndpoint: minEndpoint), expected, label)
        }
    }

    func testFloorDivisionMatchesPython() {
        XCTAssertEqual(ScalingMath.floorDivision(7, 2), 3)
        XCTAssertEqual(ScalingMath.floorDivision(-1, 2), -1)
        XCTAssertEqual(ScalingMath.floorDivision(-4, 2), -2)
    }

    func testBudgetWarningAndModes() {
        var s = PlannerSettings()
        s.maxGPUBudget = 1
        XCTAssertNotNil(s.budgetBelowMinimumWarning, "disagg needs 2 GPUs for one replica of each")
        s.mode = .prefill
        XCTAssertNil(s.budgetBelowMinimumWarning, "prefill alone fits in one GPU")
        s.maxGPUBudget = -1
        s.mode = .disagg
        XCTAssertNil(s.budgetBelowMinimumWarning)
        s.maxGPUBudget = 0
        s.minEndpoint = 0
        XCTAssertNil(s.budgetBelowMinimumWarning)
    }

    func testSettingsValidation() {
        var s = PlannerSettings()
        XCTAssertNoThrow(try s.validate())
        s.intervalSeconds = 0
        XCTAssertThrowsError(try s.validate()) { XCTAssertEqual(($0 as? PlannerSettingsError)?.setting, "--adjustment-interval") }
        s.intervalSeconds = -60
        XCTAssertThrowsError(try s.validate())
        s = PlannerSettings(); s.itlMilliseconds = .nan
        XCTAssertThrowsError(try s.validate()) { XCTAssertEqual(($0 as? PlannerSettingsError)?.setting, "--itl") }
        s = PlannerSettings(); s.decodeEngineGPUs = 0
        XCTAssertThrowsError(try s.validate())
        s = PlannerSettings(); s.maxGPUBudget = 0
        XCTAssertNoThrow(try s.validate(), "a budget below min_endpoint is a warning, not an error")
    }
}
