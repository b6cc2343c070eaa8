import Foundation
import XCTest
import PlannerCore
import PlannerIO

/// The dryrun against the reference: Tests/Goldens/reference/dryrun_mooncake_conversation_60_h200_*.json,
/// made by `ref_planner.py dryrun data/traces/mooncake_conversation.jsonl data/profiles/h200_llama8b_tp1 60
/// --load-predictor P --ttft 600 --itl 20 --max-gpu-budget 16` (other flags default).
/// Tolerance: replica counts exact; every other series within 1e-9 relative
/// (constant, Kalman); ARIMA's counts equal in at least 95 % of intervals.
final class DryrunGoldenTests: XCTestCase {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    func replay(_ kind: LoadPredictorKind) throws -> DryrunResult {
        let profile = try ProfileLoader.load(directory: Self.root.appendingPathComponent("data/profiles/h200_llama8b_tp1").path)
        var c = LoadPredictorConfiguration()
        c.kind = kind
        let engine = try PlannerDecisionEngine(settings: settings60(), profile: profile, predictor: c)
        let trace = Self.root.appendingPathComponent("data/traces/mooncake_conversation.jsonl").path
        let intervals = try TraceReader.extractIntervals(from: trace, intervalSeconds: 60)
        return try DryrunLoop.run(intervals: intervals, engine: engine, predictor: kind, source: trace)
    }

    func golden(_ kind: LoadPredictorKind) throws -> [String: [Double]] {
        let url = Self.root.appendingPathComponent("Tests/Goldens/reference/dryrun_mooncake_conversation_60_h200_\(kind.rawValue).json")
        let object = try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any] ?? [:]
        var out: [String: [Double]] = [:]
        for (k, v) in object { if let a = v as? [NSNumber] { out[k] = a.map(\.doubleValue) } }
        return out
    }

    static func columns(_ r: DryrunResult) -> [String: [Double]] {
        let s = r.series
        return ["time": s.time.map(Double.init), "rr": s.rr, "est_rr": s.estRR, "isl": s.isl, "est_isl": s.estISL,
                "osl": s.osl, "est_osl": s.estOSL, "num_p": s.numP.map(Double.init), "p_thpt": s.pThpt,
                "safe_p_thpt": s.safePThpt, "num_d": s.numD.map(Double.init), "d_thpt": s.dThpt, "safe_d_thpt": s.safeDThpt]
    }

    func assertMatches(_ kind: LoadPredictorKind) throws {
        let ours = Self.columns(try replay(kind)), ref = try golden(kind)
        for (key, mine) in ours.sorted(by: { $0.key < $1.key }) {
            guard let theirs = ref[key] else { XCTFail("golden lacks \(key)"); continue }
            XCTAssertEqual(mine.count, theirs.count, "\(kind) \(key) length")
            for (k, (a, b)) in zip(mine, theirs).enumerated() {
                if key == "num_p" || key == "num_d" {
                    XCTAssertEqual(a, b, "\(kind) \(key)[\(k)]")
                } else {
                    XCTAssertLessThanOrEqual(abs(a - b), 1e-9 * max(1, abs(b)), "\(kind) \(key)[\(k)]: \(a) vs \(b)")
                }
            }
        }
    }

    func testConstantMatchesReference() throws { try assertMatches(.constant) }

    func testKalmanMatchesReference() throws { try assertMatches(.kalman) }

    func testARIMAReplicaCountsMostlyMatchReference() throws {
        let ours = Self.columns(try replay(.arima)), ref = try golden(.arima)
        for key in ["num_p", "num_d"] {
            let mine = ours[key] ?? [], theirs = ref[key] ?? []
            XCTAssertEqual(mine.count, theirs.count)
            let equal = zip(mine, theirs).filter { $0 == $1 }.count
            XCTAssertGreaterThanOrEqual(Double(equal), 0.95 * Double(theirs.count), "\(key): \(equal) of \(theirs.count) equal")
        }
    }
}
