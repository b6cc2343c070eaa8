import CNumerics
import PlannerNumerics
import XCTest

final class DelaunayTests: XCTestCase {
    private func sortedTriangles(_ t: [[Int]]) -> [[Int]] { t.map { $0.sorted() }.sorted { $0.lexicographicallyPrecedes($1) } }

    /// A profiler's layout: rows of context length, the n = 1 points of every row on one
    /// line through the origin (off it only by rounding). scipy 1.17's Delaunay gives
    /// these 12 triangles — the rounding slivers along that line are not among them.
    func testProfilerRowsMatchQhull() throws {
        var x: [Double] = [], y: [Double] = []
        for c in [1365.0, 4369, 7373, 10377] { for n in [1.0, 2, 5] { x.append(n * c / 480000); y.append(c) } }
        let (triangles, neighbors) = try Delaunay.triangulate(x: x, y: y)
        let scipy = [[0, 1, 3], [1, 2, 3], [2, 3, 4], [2, 4, 5], [3, 4, 6], [4, 5, 7], [4, 6, 7], [5, 7, 8], [6, 7, 9],
                     [7, 8, 10], [7, 9, 10], [8, 10, 11]]
        XCTAssertEqual(sortedTriangles(triangles), scipy)
        // neighbours: opposite vertex k lies the triangle sharing the other two vertices
        for (t, tri) in triangles.enumerated() {
            for k in 0..<3 where neighbors[t][k] >= 0 {
                let other = Set(triangles[neighbors[t][k]])
                XCTAssertTrue(other.isSuperset(of: [tri[(k + 1) % 3], tri[(k + 2) % 3]]))
                XCTAssertFalse(other.contains(tri[k]))
            }
        }
    }

    /// Empty-circle property, checked with the exact predicate, on a lattice-like
    /// layout full of collinear rows and near-cocircular quads.
    func testEmptyCircumcircles() throws {
        var x: [Double] = [], y: [Double] = []
        var state: UInt64 = 42
        func next() -> Double { state = state &* 6364136223846793005 &+ 1442695040888963407; return Double(state >> 11) / Double(1 << 53) }
        for row in 0..<9 { for _ in 0..<(3 + row % 4) { x.append(next()); y.append(Double(row) * 1000 + 1) } }
        let (triangles, _) = try Delaunay.triangulate(x: x, y: y)
        for tri in triangles {
            let a = [x[tri[0]], y[tri[0]]], b = [x[tri[1]], y[tri[1]]], c = [x[tri[2]], y[tri[2]]]
            XCTAssertEqual(cn_orient2d(a, b, c), 1, "counter-clockwise")
            for p in x.indices where !tri.contains(p) {
                XCTAssertLessThanOrEqual(cn_incircle(a, b, c, [x[p], y[p]]), 0, "point \(p) inside the circle of \(tri)")
            }
        }
    }

    func testPredicatesAreExactOnNearDegenerateInput() {
        // 0.1 + 0.2 style rounding: these three points are not collinear in binary
        XCTAssertNotEqual(cn_orient2d([0.1, 0.1], [0.2, 0.2], [0.30000000000000004, 0.3]), 0)
        XCTAssertEqual(cn_orient2d([0, 0], [1, 1], [1e90, 1e90]), 0)
        XCTAssertEqual(cn_orient2d([0, 0], [1, 1], [1e-90, 2e-90]), 1)  // just left of y = x
        XCTAssertEqual(cn_orient2d([0.5, 0.5], [12, 12], [24, 24]), 0)
        // the four corners of a square are cocircular; a point just inside is inside
        XCTAssertEqual(cn_incircle([0, 0], [1, 0], [1, 1], [0, 1]), 0)
        XCTAssertEqual(cn_incircle([0, 0], [1, 0], [1, 1], [1e-17, 1 - 1e-16]), 1)
    }

    func testRejectsDegenerateInput() {
        XCTAssertThrowsError(try Delaunay.triangulate(x: [0, 1, 2, 3], y: [0, 1, 2, 3])) { e in
            XCTAssertEqual(e as? InterpolationInputError, .collinear(what: "triangulation"))
        }
        XCTAssertThrowsError(try Delaunay.triangulate(x: [0, 1, 0, 1], y: [0, 0, 1, 0])) { e in
            XCTAssertEqual(e as? InterpolationInputError, .duplicate(what: "triangulation", index: 3, other: 1))
        }
        XCTAssertThrowsError(try Delaunay.triangulate(x: [0, 1], y: [0, 1]))
        XCTAssertThrowsError(try Delaunay.triangulate(x: [0, 1, .nan], y: [0, 1, 0]))
        XCTAssertThrowsError(try Delaunay.triangulate(x: [0, 1, 1e200], y: [0, 1, 0]))
    }

    /// A regular lattice: every cell is a cocircular quad, the most ambiguous input
    /// there is. The triangulation must still be a valid Delaunay one (2n - 2 - h
    /// triangles, each quad split once), and the surfaces built on it finite.
    /// (Which diagonal Qhull picks there follows its roundoff, so scipy's grid can
    /// differ on such input; profiler sweeps are not lattices.)
    func testLatticeOfCocircularQuads() throws {
        var x: [Double] = [], y: [Double] = []
        for row in 0..<5 { for col in 0..<6 { x.append(0.1 + 0.15 * Double(col)); y.append(1000 * Double(row + 1)) } }
        let (triangles, _) = try Delaunay.triangulate(x: x, y: y)
        let hull = 2 * (6 + 5) - 4
        XCTAssertEqual(triangles.count, 2 * x.count - 2 - hull)
        for tri in triangles {
            let a = [x[tri[0]], y[tri[0]]], b = [x[tri[1]], y[tri[1]]], c = [x[tri[2]], y[tri[2]]]
            for p in x.indices where !tri.contains(p) {
                XCTAssertLessThanOrEqual(cn_incircle(a, b, c, [x[p], y[p]]), 0)
            }
        }
        let f = x.indices.map { 5 + 10 * x[$0] * x[$0] + y[$0] / 1000 }
        let g = try CloughTocher.grid(x: x, y: y, values: [f], xi: (0..<50).map { Double($0) / 49 },
                                      yi: (0..<50).map { Double($0) * 6000 / 49 })
        XCTAssertTrue(g.values[0].allSatisfy(\.isFinite))
    }

    /// Random layouts with rows, repeated coordinates and collinear runs: never a
    /// trap, always the empty-circle property or a thrown error.
    func testRandomDegenerateLayoutsNeverTrap() throws {
        var state: UInt64 = 7
        func next(_ m: Int) -> Int { state = state &* 6364136223846793005 &+ 1442695040888963407; return Int(state >> 33) % m }
        var triangulated = 0
        for _ in 0..<200 {
            let n = 3 + next(40)
            var x: [Double] = [], y: [Double] = []
            var seen = Set<Int>()
            for _ in 0..<n {
                let (i, j) = (next(6), next(4))
                if seen.insert(i * 10 + j).inserted || next(60) == 0 { x.append(Double(i) / 5); y.append(Double(j) * 1000) }
            }
            do {
                let (triangles, _) = try Delaunay.triangulate(x: x, y: y)
                triangulated += 1
                for tri in triangles {
                    let a = [x[tri[0]], y[tri[0]]], b = [x[tri[1]], y[tri[1]]], c = [x[tri[2]], y[tri[2]]]
                    XCTAssertEqual(cn_orient2d(a, b, c), 1)
                    for p in x.indices where !tri.contains(p) { XCTAssertLessThanOrEqual(cn_incircle(a, b, c, [x[p], y[p]]), 0) }
                }
            } catch let e as InterpolationInputError {
                switch e {
                case .duplicate, .collinear, .tooFewPoints: break
                default: XCTFail("unexpected \(e)")
                }
            }
        }
        XCTAssertGreaterThan(triangulated, 100)
    }
}
