import XCTest
import PlannerNumerics

/// Expected figures come from scipy 1.17 `fmin_l_bfgs_b` (fprime given, defaults,
/// maxiter 15000) on the same problems: the iteration and evaluation counts
/// match exactly, which checks the line search and the Cauchy/subspace steps.
final class LBFGSTests: XCTestCase {
    private func rosenbrock(_ x: UnsafeBufferPointer<Double>, _ g: UnsafeMutableBufferPointer<Double>) -> Double? {
        var f = 0.0
        for i in 0..<x.count { g[i] = 0 }
        for i in 0..<(x.count - 1) {
            let a = x[i + 1] - x[i] * x[i], b = 1 - x[i]
            f += 100 * a * a + b * b
            g[i] += -400 * x[i] * a - 2 * b
            g[i + 1] += 200 * a
        }
        return f
    }

    func testRosenbrockUnboundedMatchesScipy() throws {
        var o = LBFGS.Options(); o.maxIterations = 15000
        let r = try LBFGS.minimize(start: [-1.2, 1], options: o, objective: rosenbrock)
        XCTAssertEqual(r.x[0], 0.99999895, accuracy: 1e-7)
        XCTAssertEqual(r.x[1], 0.99999802, accuracy: 1e-7)
        XCTAssertEqual(r.iterations, 36)
        XCTAssertEqual(r.evaluations, 44)
        XCTAssertTrue(r.converged)
    }

    func testRosenbrockBoundedMatchesScipy() throws {
        var o = LBFGS.Options(); o.maxIterations = 15000
        let r = try LBFGS.minimize(start: [-1.2, 2], lower: [-2, 1.5], upper: [0.5, 3], options: o, objective: rosenbrock)
        XCTAssertEqual(r.x[0], -1.22102624, accuracy: 1e-7)
        XCTAssertEqual(r.x[1], 1.5, accuracy: 0)
        XCTAssertEqual(r.f, 4.941229317989186, accuracy: 1e-9)
        XCTAssertEqual(r.iterations, 10)
        XCTAssertEqual(r.evaluations, 14)
    }

    func testBoundedQuadraticStopsOnBounds() throws {
        // f = Σ (x_i - c_i)², minimum outside the box → the box corner nearest c.
        let c = [3.0, -2.0, 0.5]
        let r = try LBFGS.minimize(start: [0, 0, 0], lower: [-1, -1, -1], upper: [1, 1, 1]) { x, g in
            var f = 0.0
            for i in 0..<3 { f += (x[i] - c[i]) * (x[i] - c[i]); g[i] = 2 * (x[i] - c[i]) }
            return f
        }
        XCTAssertEqual(r.x[0], 1, accuracy: 0)
        XCTAssertEqual(r.x[1], -1, accuracy: 0)
        XCTAssertEqual(r.x[2], 0.5, accuracy: 1e-8)
        XCTAssertTrue(r.converged)
    }

    func testIterationLimitAndBadInput() throws {
        var o = LBFGS.Options(); o.maxIterations = 5
        let r = try LBFGS.minimize(start: [-1.2, 1], options: o, objective: rosenbrock)
        XCTAssertEqual(r.iterations, 5)
        XCTAssertFalse(r.converged)
        XCTAssertThrowsError(try LBFGS.minimize(start: [.nan, 1], objective: rosenbrock))
        XCTAssertThrowsError(try LBFGS.minimize(start: [1, 1], objective: { _, _ in nil }))
        XCTAssertThrowsError(try LBFGS.minimize(start: [0], lower: [1], upper: [0], objective: rosenbrock))
    }
}
