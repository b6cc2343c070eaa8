import Foundation
@testable import PlannerCore
import PlannerIO
import XCTest

/// The fleet loop on the real decision engine and profile with recording
/// connectors (the shared metrics read is given; PrometheusFleetScrapeTests reads it
/// from a real Prometheus, FleetRunCommandTests runs it end to end through etcd).
final class FleetPlannerTests: XCTestCase {
    typealias Connector = LivePlannerTests.RecordingConnector

    func member(_ name: String, weight: Double = 1) throws -> FleetMember { try Self.member(name, weight: weight) }

    /// A member on the llama-8b profile with a constant predictor and a recording connector.
    static func member(_ name: String, weight: Double = 1) throws -> FleetMember {
        var s = PlannerSettings()
        s.intervalSeconds = 60
        s.maxGPUBudget = -1
        var p = LoadPredictorConfiguration()
        p.kind = .constant
        let profile = try ProfileLoader.load(directory: LivePlannerTests.root.appendingPathComponent("data/profiles/h200_llama8b_tp1").path)
        return FleetMember(name: name, engine: try PlannerDecisionEngine(settings: s, profile: profile, predictor: p),
                           connector: Connector(), weight: weight)
    }

    func decisions(_ r: FleetPlanner.IntervalResult) -> [ScalingDecision?] {
        r.outcomes.map { if case let .decided(d, _) = $0 { return d } else { return nil } }
    }

    func testUnboundedFleetGrantsEveryRequest() async throws {
        let members = try ["a", "b", "c"].map { try member($0) }
        let fleet = FleetPlanner(members: members, maxTotalGPUs: -1, minTotalGPUs: -1)
        let r = await fleet.step(observed: ["a": LivePlannerTests.busy, "b": LivePlannerTests.quiet])
        let d = decisions(r).compactMap { $0 }
        XCTAssertEqual(d.count, 3, "c has no series: idle, decided at min_endpoint")
        XCTAssertGreaterThan(d[0].prefill + d[0].decode, d[1].prefill + d[1].decode)
        XCTAssertEqual(d[2].prefill, 1)
        XCTAssertEqual(d[2].decode, 1)
        for (m, dec) in zip(members, d) {
            XCTAssertEqual((m.connector as? Connector)?.counts, WorkerCounts(prefill: dec.prefill, decode: dec.decode))
            XCTAssertFalse(dec.budgetLimited)
        }
    }

    func testBudgetIsSharedAndWeightsCount() async throws {
        let members = [try member("a"), try member("b", weight: 3)]
        let unbounded = FleetPlanner(members: [try member("a"), try member("b")], maxTotalGPUs: -1, minTotalGPUs: -1)
        let wanted = decisions(await unbounded.step(observed: ["a": LivePlannerTests.busy, "b": LivePlannerTests.busy]))
        let each = (wanted[0]?.prefill ?? 0) + (wanted[0]?.decode ?? 0)
        XCTAssertGreaterThan(each, 4, "the busy load must ask for more than the budget below")
        let fleet = FleetPlanner(members: members, maxTotalGPUs: each, minTotalGPUs: -1)
        let r = await fleet.step(observed: ["a": LivePlannerTests.busy, "b": LivePlannerTests.busy])
        let d = decisions(r).compactMap { $0 }
        XCTAssertEqual(d.count, 2)
        XCTAssertLessThanOrEqual(d.map { $0.prefill + $0.decode }.reduce(0, +), each)
        XCTAssertGreaterThan(d[1].prefill + d[1].decode, d[0].prefill + d[0].decode, "weight 3 gets more")
        XCTAssertTrue(d.allSatisfy { $0.prefill >= 1 && $0.decode >= 1 && $0.budgetLimited })
    }

    func testUnreadableMemberIsSkippedAndKeepsItsGPUs() async throws {
        let members = try ["a", "b"].map { try member($0) }
        (members[0].connector as? Connector)?.failCountsAt = [0]
        (members[0].connector as? Connector)?.counts = WorkerCounts(prefill: 2, decode: 3)
        // a's last known workers (initial 0/0 here) are pinned; b gets what is left.
        let fleet = FleetPlanner(members: members, maxTotalGPUs: 4, minTotalGPUs: -1)
        let r = await fleet.step(observed: ["a": LivePlannerTests.busy, "b": LivePlannerTests.busy])
        guard case .unavailable = r.outcomes[0] else { return XCTFail("a must be skipped: \(r.outcomes[0])") }
        let b = try XCTUnwrap(decisions(r)[1])
        XCTAssertEqual(b.prefill + b.decode, 4)
        XCTAssertEqual(members[0].skippedIntervals, 1)
        // Next interval a reads 2+3 workers and is pinned at them only if its metrics are invalid.
        let invalid = ObservedMetrics(ttftMilliseconds: .nan, itlMilliseconds: .nan, requestCount: 0, isl: .nan, osl: .nan)
        let r2 = await fleet.step(observed: ["a": invalid, "b": LivePlannerTests.busy])
        XCTAssertEqual(r2.outcomes[0], .invalidMetrics)
        let b2 = try XCTUnwrap(decisions(r2)[1])
        XCTAssertEqual(b2.prefill + b2.decode, 2, "5 GPUs pinned by a leave nothing but b's floors")
        XCTAssertEqual(r2.budget?.overBudget, true)
    }

    /// A member without a decision this interval keeps its last grant, not only its
    /// serving workers: workers still starting hold GPUs the others cannot have.
    func testSkippedMemberKeepsItsLastGrantWhileItsWorkersStart() async throws {
        let members = try ["a", "b"].map { try member($0) }
        let fleet = FleetPlanner(members: members, maxTotalGPUs: 8, minTotalGPUs: -1)
        let r = await fleet.step(observed: ["a": LivePlannerTests.busy, "b": LivePlannerTests.quiet])
        let a = try XCTUnwrap(decisions(r)[0])
        let aGPUs = a.prefill + a.decode
        XCTAssertGreaterThan(aGPUs, 2, "a scales up")
        (members[0].connector as? Connector)?.counts = WorkerCounts(prefill: 1, decode: 1) // the new workers are starting
        let invalid = ObservedMetrics(ttftMilliseconds: .nan, itlMilliseconds: .nan, requestCount: 0, isl: .nan, osl: .nan)
        let r2 = await fleet.step(observed: ["a": invalid, "b": LivePlannerTests.busy])
        XCTAssertEqual(r2.outcomes[0], .invalidMetrics)
        let b = try XCTUnwrap(decisions(r2)[1])
        XCTAssertEqual(aGPUs + b.prefill + b.decode, 8, "b gets what a's grant leaves (a: \(a), b: \(b))")
    }

    func testMetricsOutageSkipsEveryone() async throws {
        let members = try ["a", "b"].map { try member($0) }
        let r = await FleetPlanner(members: members, maxTotalGPUs: 8, minTotalGPUs: -1).step(observed: nil)
        XCTAssertTrue(r.outcomes.allSatisfy { if case .unavailable = $0 { return true } else { return false } })
        XCTAssertNil(r.budget)
    }

    func testShortfallSignal() {
        var s = PlannerSettings()
        s.ttftMilliseconds = 100
        s.itlMilliseconds = 10
        let o = ObservedMetrics(ttftMilliseconds: 150, itlMilliseconds: 30, requestCount: 1, isl: 1, osl: 1)
        XCTAssertEqual(FleetMember.shortfall(o, settings: s), 2, accuracy: 1e-12)
        XCTAssertEqual(FleetMember.shortfall(ObservedMetrics(ttftMilliseconds: .infinity, itlMilliseconds: 5), settings: s), 0)
    }

    func testShardPlansOnlyItsMembersWithItsShareOfTheBudget() async throws {
        let members = try ["a", "b", "c", "d"].map { try member($0) }
        let fleet = FleetPlanner(members: members, maxTotalGPUs: 10, minTotalGPUs: -1)
        let busy = Dictionary(uniqueKeysWithValues: ["a", "b", "c", "d"].map { ($0, LivePlannerTests.busy) })
        let r = await fleet.step(observed: busy, only: ["a", "c"])
        XCTAssertEqual(r.outcomes[1], .unavailable("planned by another replica"))
        XCTAssertEqual(r.outcomes[3], .unavailable("planned by another replica"))
        XCTAssertEqual((members[1].connector as? Connector)?.sent.count, 0, "b is not touched")
        XCTAssertEqual(r.budget?.totalGPUs, 5, "two of four deployments: floor(10 · 2/4) GPUs")
        let share = FleetPlanner.share(owned: 1, of: 3)
        XCTAssertEqual(share(5, false), 1)
        XCTAssertEqual(share(5, true), 2)
        XCTAssertEqual(share(-1, false), -1)
        XCTAssertEqual(FleetPlanner.share(owned: 3, of: 3)(7, false), 7)
        XCTAssertEqual(FleetPlanner.share(owned: 2, of: 3)(Int.max, false), Int.max / 3 * 2)
    }
}
