import XCTest
@testable import PlannerCore
import TestPeers

/// The fleet GPU budget. The worked examples are those of docs/fleet.md, computed
/// there by hand; the random cases are checked against a one-engine-at-a-time
/// greedy written here independently.
final class FleetBudgetTests: XCTestCase {
    private func demand(_ p: Int, _ d: Int, gp: Int = 1, gd: Int = 1, min: Int = 1,
                        weight: Double = 1, shortfall: Double = 0) -> FleetDemand {
        FleetDemand(prefill: p, decode: d, prefillEngineGPUs: gp, decodeEngineGPUs: gd, minEndpoint: min,
                    weight: weight, shortfall: shortfall)
    }

    private func grants(_ r: FleetBudget.Result) -> [[Int]] { r.grants.map { [$0.prefill, $0.decode] } }

    func testWorkedExamples() {
        // (demands, max, min) → grants, total
        let table: [(String, [FleetDemand], Int, Int, [[Int]], Int)] = [
            ("under budget", [demand(2, 3), demand(1, 1)], 10, -1, [[2, 3], [1, 1]], 7),
            ("no budget", [demand(50, 50)], -1, -1, [[50, 50]], 100),
            ("equal weights level the unmet fraction", [demand(1, 9), demand(1, 3)], 10, -1, [[1, 6], [1, 2]], 10),
            ("weight 2 fills B first", [demand(1, 9), demand(1, 3, weight: 2)], 10, -1, [[1, 5], [1, 3]], 10),
            ("shortfall 1 counts as weight 2", [demand(1, 9), demand(1, 3, shortfall: 1)], 10, -1, [[1, 5], [1, 3]], 10),
            ("weight 0 keeps only its floor", [demand(5, 5, weight: 0), demand(5, 5)], 12, -1, [[1, 1], [5, 5]], 12),
            ("floors alone over budget", [demand(3, 3, gp: 2, gd: 2), demand(3, 3, gp: 2, gd: 2), demand(3, 3, gp: 2, gd: 2)],
             10, -1, [[1, 1], [1, 1], [1, 1]], 12),
            ("big engines cost more per unit of demand", [demand(1, 4, gd: 4), demand(1, 4)], 14, -1, [[1, 2], [1, 4]], 14),
            ("min total tops up in order", [demand(1, 1), demand(1, 1)], -1, 7, [[2, 2], [2, 1]], 7),
            ("min total never passes max", [demand(1, 1, gd: 4)], 6, 9, [[2, 1]], 6),
            ("decode-only deployment", [FleetDemand(prefill: 0, decode: 6, prefillEngineGPUs: 1, decodeEngineGPUs: 1,
                                                    minEndpoint: 1).onlyDecode(), demand(1, 6)], 8, -1, [[0, 4], [1, 3]], 8),
            ("min endpoint 0", [demand(4, 4, min: 0), demand(4, 4, min: 0)], 4, -1, [[1, 1], [1, 1]], 4),
        ]
        for (name, demands, maxGPUs, minGPUs, expected, total) in table {
            let r = FleetBudget.allocate(demands, maxTotalGPUs: maxGPUs, minTotalGPUs: minGPUs)
            XCTAssertEqual(grants(r), expected, name)
            XCTAssertEqual(r.totalGPUs, total, name)
            XCTAssertEqual(r.overBudget, name == "floors alone over budget", name)
        }
    }

    func testHostileNumbersNeverTrap() {
        let hostile = [demand(Int.max, Int.min, gp: Int.max, gd: -3, min: Int.max, weight: .nan, shortfall: -.infinity),
                       demand(1 << 40, 1 << 40, gp: 1 << 20, gd: 0, min: -5, weight: .infinity, shortfall: .nan)]
        for (maxGPUs, minGPUs) in [(-1, -1), (0, 0), (Int.max, Int.max), (10, Int.max), (Int.max, -1)] {
            let r = FleetBudget.allocate(hostile, maxTotalGPUs: maxGPUs, minTotalGPUs: minGPUs)
            XCTAssertEqual(r.grants.count, 2)
            XCTAssertTrue(r.grants.allSatisfy { $0.prefill >= 0 && $0.decode >= 0 })
        }
        XCTAssertEqual(FleetBudget.allocate([], maxTotalGPUs: 5, minTotalGPUs: 3).totalGPUs, 0)
    }

    /// With one GPU per engine, engine-at-a-time greedy by worth is optimal for the
    /// concave objective; the bisection must reach the same objective.
    func testMatchesEngineAtATimeGreedy() {
        var rng = SeededRandom(state: 15)
        for _ in 0..<300 {
            let n = 1 + Int(rng.next() % 6)
            let demands = (0..<n).map { _ in
                demand(Int(rng.next() % 12), Int(rng.next() % 12), min: Int(rng.next() % 3),
                       weight: Double(rng.next() % 4), shortfall: Double(rng.next() % 3) / 2)
            }
            let budget = Int(rng.next() % 40)
            let r = FleetBudget.allocate(demands, maxTotalGPUs: budget)
            let reference = greedy(demands, budget: budget)
            XCTAssertEqual(objective(demands, grants(r)), objective(demands, reference), accuracy: 1e-9, "\(demands) \(budget)")
            for (d, g) in zip(demands, r.grants) {
                XCTAssertGreaterThanOrEqual(g.prefill, max(0, d.minPrefill))
                XCTAssertGreaterThanOrEqual(g.decode, max(0, d.minDecode))
                XCTAssertLessThanOrEqual(g.prefill, max(d.prefill, d.minPrefill))
                XCTAssertLessThanOrEqual(g.decode, max(d.decode, d.minDecode))
            }
            if !r.overBudget { XCTAssertLessThanOrEqual(r.totalGPUs, budget) }
        }
    }

    private func worth(_ d: FleetDemand) -> Double { d.weight * (1 + d.shortfall) }

    /// Σ over pools and granted engines above the floor of their worth (gpus = 1).
    private func objective(_ demands: [FleetDemand], _ g: [[Int]]) -> Double {
        var total = 0.0
        for (d, pair) in zip(demands, g) {
            for (req, floor, have) in [(max(d.prefill, d.minPrefill), d.minPrefill, pair[0]),
                                       (max(d.decode, d.minDecode), d.minDecode, pair[1])] {
                for h in floor..<max(floor, have) { total += worth(d) * Double(req - h) / Double(req) }
            }
        }
        return total
    }

    private func greedy(_ demands: [FleetDemand], budget: Int) -> [[Int]] {
        var g = demands.map { [$0.minPrefill, $0.minDecode] }
        let requests = demands.map { [max($0.prefill, $0.minPrefill), max($0.decode, $0.minDecode)] }
        if requests.joined().reduce(0, +) <= budget { return requests }
        var left = budget - g.joined().reduce(0, +)
        while left > 0 {
            var best: (Int, Int, Double)?
            for i in demands.indices {
                for j in 0..<2 where g[i][j] < requests[i][j] {
                    let v = worth(demands[i]) * Double(requests[i][j] - g[i][j]) / Double(requests[i][j])
                    if v > 0, v > (best?.2 ?? 0) { best = (i, j, v) }
                }
            }
            guard let (i, j, _) = best else { break }
            g[i][j] += 1
            left -= 1
        }
        return g
    }
}

private extension FleetDemand {
    func onlyDecode() -> FleetDemand {
        var d = self
        d.minPrefill = 0
        return d
    }
}
