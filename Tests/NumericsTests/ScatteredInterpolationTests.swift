import PlannerNumerics
import XCTest

final class ScatteredInterpolationTests: XCTestCase {
    private let x: [Double] = [0.05, 0.4, 0.9, 0.1, 0.5, 0.95, 0.2, 0.7, 0.3, 0.99]
    private let y: [Double] = [100, 100, 100, 400, 400, 400, 700, 700, 1000, 1000]
    private let xi = (0..<21).map { Double($0) / 20 }
    private let yi = (0..<21).map { Double($0) * 50 }

    /// Linear data: the curvature-minimising gradients tend to the exact gradient and
    /// Clough–Tocher reproduces the plane inside the hull — to the 1e-6 tolerance at
    /// which the gradient sweeps stop (scipy's default), not to rounding.
    func testCloughTocherReproducesPlanes() throws {
        let f = x.indices.map { 3 + 2 * x[$0] - 0.004 * y[$0] }
        let g = try CloughTocher.grid(x: x, y: y, values: [f], xi: xi, yi: yi, nearestFill: false)
        var inside = 0
        for j in yi.indices {
            for i in xi.indices where !g.values[0][j * xi.count + i].isNaN {
                inside += 1
                XCTAssertEqual(g.values[0][j * xi.count + i], 3 + 2 * xi[i] - 0.004 * yi[j], accuracy: 1e-6)
            }
        }
        XCTAssertGreaterThan(inside, 100)
        XCTAssertGreaterThan(g.gradientSweeps, 0)
        // below the first row (y < 100) is outside the hull
        XCTAssertTrue(g.values[0][0].isNaN)
    }

    func testNearestFillTakesTheClosestSample() throws {
        let f = x.indices.map { Double($0) }
        let g = try CloughTocher.grid(x: x, y: y, values: [f], xi: xi, yi: yi, nearestFill: true)
        XCTAssertTrue(g.values[0].allSatisfy(\.isFinite))
        XCTAssertEqual(g.values[0][0], 0)                       // (0, 0): sample 0 at (0.05, 100)
        XCTAssertEqual(g.values[0][20], 2)                      // (1, 0): sample 2 at (0.9, 100)
        XCTAssertEqual(g.values[0][20 * 21 + 0], 8)             // (0, 1000): sample 8 at (0.3, 1000)
    }

    func testThinPlateInterpolatesAndExtendsPastTheHull() throws {
        let f = x.indices.map { sin(3 * x[$0]) + y[$0] / 1000 }
        let g = try ThinPlateSpline.grid(x: x, y: y, values: [f], xi: x, yi: y)
        for k in x.indices { XCTAssertEqual(g.values[0][k * x.count + k], f[k], accuracy: 1e-10) }
        let plane = x.indices.map { 1 + x[$0] + y[$0] / 500 }
        let p = try ThinPlateSpline.grid(x: x, y: y, values: [plane], xi: xi, yi: yi)
        for j in yi.indices { for i in xi.indices {
            XCTAssertEqual(p.values[0][j * xi.count + i], 1 + xi[i] + yi[j] / 500, accuracy: 1e-9)
        } }
    }
}
