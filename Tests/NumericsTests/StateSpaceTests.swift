import CNumerics
import Foundation
import XCTest
import PlannerNumerics

/// The general exact-diffuse Kalman filter (cn_statespace.h) on ARIMA models
/// laid out as statsmodels' SARIMAX lays them out (d diffuse level states,
/// then the ARMA block in Harvey form). Checked two ways: against statsmodels'
/// log-likelihood at the start parameters (cases.json, 1e-6 relative: the d > 0
/// cases differ by ~1e-8 in statsmodels' own diffuse handling) and against the
/// ARIMA path, which filters the differenced series (1e-9 relative).
final class StateSpaceTests: XCTestCase {
    private struct Cases: Decodable {
        struct Fit: Decodable { var series: String, order: [Int], intercept: Bool, start_params: [Double], loglike_at_start: Double, params: [Double], forecast: Double }
        var series: [String: [Double]]
        var fits: [Fit]
    }

    /// statsmodels' SARIMAX state space for ARIMA(p,d,q) + intercept.
    private func filter(_ y: [Double], p: Int, d: Int, q: Int, intercept: Bool, params: [Double]) throws -> cn_kalman_result {
        let r = max(p, q + 1), m = d + r
        var T = [Double](repeating: 0, count: m * m), Z = [Double](repeating: 0, count: m)
        var c = [Double](repeating: 0, count: m), R = [Double](repeating: 0, count: m)
        func set(_ i: Int, _ j: Int, _ v: Double) { T[i + j * m] = v }
        for i in 0..<d {
            for j in i..<d { set(i, j, 1) }
            set(i, d, 1)
            Z[i] = 1
        }
        Z[d] = 1
        var k = 0
        if intercept { c[d] = params[0]; k = 1 }
        for i in 0..<p { set(d + i, d, params[k + i]) }
        for i in 0..<(r - 1) { set(d + i, d + i + 1, 1) }
        R[d] = 1
        for j in 0..<q { R[d + 1 + j] = params[k + p + j] }
        let sigma2 = params[k + p + q]
        var RQR = [Double](repeating: 0, count: m * m)
        for j in 0..<m { for i in 0..<m { RQR[i + j * m] = sigma2 * R[i] * R[j] } }
        var work = [Double](repeating: 0, count: cn_kalman_workspace_size(Int32(m)))
        var result = cn_kalman_result()
        let status = T.withUnsafeBufferPointer { tp in Z.withUnsafeBufferPointer { zp in c.withUnsafeBufferPointer { cp in
            RQR.withUnsafeBufferPointer { qp in y.withUnsafeBufferPointer { yp in work.withUnsafeMutableBufferPointer { wp in
                var model = cn_ssm(k_states: Int32(m), k_diffuse: Int32(d), T: tp.baseAddress, Z: zp.baseAddress,
                                   c: cp.baseAddress, RQR: qp.baseAddress, H: 0)
                return cn_kalman_filter(&model, yp.baseAddress, Int32(yp.count), &result, wp.baseAddress, wp.count)
            } } }
        } } }
        try NumericsError.check(status, "cn_kalman_filter")
        return result
    }

    func testMatchesStatsmodelsAndTheDifferencedPath() throws {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Goldens/arima/numerics/cases.json")
        let cases = try JSONDecoder().decode(Cases.self, from: Data(contentsOf: url))
        XCTAssertFalse(cases.fits.isEmpty)
        for c in cases.fits {
            let y = try XCTUnwrap(cases.series[c.series])
            let (p, d, q) = (c.order[0], c.order[1], c.order[2])
            let label = "\(c.series) \(c.order) c=\(c.intercept)"
            let atStart = try filter(y, p: p, d: d, q: q, intercept: c.intercept, params: c.start_params)
            XCTAssertEqual(atStart.nobs_diffuse, Int32(d), label)
            XCTAssertEqual(atStart.loglike, c.loglike_at_start, accuracy: 1e-6 * abs(c.loglike_at_start), label)
            let model = ARIMAModel(p: p, d: d, q: q, intercept: c.intercept, parameters: c.params)
            let atFit = try filter(y, p: p, d: d, q: q, intercept: c.intercept, params: c.params)
            let direct = try model.loglike(y)
            XCTAssertEqual(atFit.loglike, direct, accuracy: 1e-9 * abs(direct), label)
            XCTAssertEqual(atFit.forecast, try model.forecast(after: y), accuracy: 1e-9 * max(1, abs(atFit.forecast)), label)
            XCTAssertEqual(atFit.forecast, c.forecast, accuracy: 1e-6 * max(1, abs(c.forecast)), label)
        }
    }

    func testRejectsBadModels() {
        var work = [Double](repeating: 0, count: cn_kalman_workspace_size(1))
        let y = [1.0, 2.0, .nan]
        var result = cn_kalman_result()
        // Explosive "stationary" state: T = 1 has no stationary covariance.
        let T = [1.0], Z = [1.0], Q = [1.0]
        let status = T.withUnsafeBufferPointer { tp in Z.withUnsafeBufferPointer { zp in Q.withUnsafeBufferPointer { qp in
            y.withUnsafeBufferPointer { yp in work.withUnsafeMutableBufferPointer { wp in
                var model = cn_ssm(k_states: 1, k_diffuse: 0, T: tp.baseAddress, Z: zp.baseAddress, c: nil, RQR: qp.baseAddress, H: 0)
                return cn_kalman_filter(&model, yp.baseAddress, 2, &result, wp.baseAddress, wp.count)
            } }
        } } }
        XCTAssertNotEqual(status, 0)
        let diffuse = T.withUnsafeBufferPointer { tp in Z.withUnsafeBufferPointer { zp in Q.withUnsafeBufferPointer { qp in
            y.withUnsafeBufferPointer { yp in work.withUnsafeMutableBufferPointer { wp in
                var model = cn_ssm(k_states: 1, k_diffuse: 1, T: tp.baseAddress, Z: zp.baseAddress, c: nil, RQR: qp.baseAddress, H: 0)
                return cn_kalman_filter(&model, yp.baseAddress, 3, &result, wp.baseAddress, wp.count)
            } }
        } } }
        XCTAssertEqual(diffuse, CN_ERR_NONFINITE.rawValue, "NaN observation is reported, not filtered")
    }
}
