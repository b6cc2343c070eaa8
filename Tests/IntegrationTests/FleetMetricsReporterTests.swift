import Connectors
import Foundation
@testable import PlannerCore
import XCTest

/// The fleet's gauges after real fleet intervals (recording connectors): one series set per
/// deployment planned here, labelled `dynamo_namespace`, the fleet totals, and series removed
/// for a deployment that left or is planned by another replica.
final class FleetMetricsReporterTests: XCTestCase {
    func testGaugesPerDeploymentAndFleetTotals() async throws {
        let members = try ["a", "b", "c"].map { try FleetPlannerTests.member($0) }
        let fleet = FleetPlanner(members: members, maxTotalGPUs: 4, minTotalGPUs: -1)
        let reporter = FleetMetricsReporter()
        let busy = ["a": LivePlannerTests.busy, "b": LivePlannerTests.busy]
        let r = await fleet.step(observed: busy, only: ["a", "b"])
        reporter.publish(members: members, outcomes: r.outcomes, intervalSeconds: 60, maxTotalGPUs: 4, minTotalGPUs: -1, notSetUp: 2)
        let text = reporter.render()
        func value(_ series: String) -> Double? { FleetConfigTests.value(series, in: text) }
        XCTAssertEqual(value(#"dynamo_planner_fleet_deployments{state="planned"}"#), 2, text)
        XCTAssertEqual(value(#"dynamo_planner_fleet_deployments{state="other_replica"}"#), 1, text)
        XCTAssertEqual(value(#"dynamo_planner_fleet_deployments{state="not_set_up"}"#), 2, text)
        XCTAssertEqual(value("dynamo_planner_fleet_max_total_gpus"), 4, text)
        XCTAssertEqual(value("dynamo_planner_fleet_min_total_gpus"), -1, text)
        let decided = r.outcomes.compactMap { if case let .decided(d, _) = $0 { return d } else { return nil } }
        XCTAssertEqual(value("dynamo_planner_fleet_gpus_in_use"), Double(decided.reduce(0) { $0 + $1.prefill + $1.decode }), text)
        XCTAssertLessThanOrEqual(value("dynamo_planner_fleet_gpus_in_use") ?? 99, 4)
        XCTAssertEqual(value("dynamo_planner_fleet_budget_limited_deployments"), Double(decided.filter { $0.budgetLimited }.count), text)
        for (name, d) in zip(["a", "b"], decided) {
            XCTAssertEqual(value(#"dynamo_planner_predicted_num_decode_replicas{dynamo_namespace="\#(name)"}"#), Double(d.decode), text)
            XCTAssertEqual(value(#"dynamo_planner_sla_target_ttft_ms{dynamo_namespace="\#(name)"}"#),
                           members[0].engine.settings.ttftMilliseconds, text)
        }
        XCTAssertFalse(text.contains(#"dynamo_namespace="c""#), "c is planned by another replica: \(text)")
        for name in PlannerMetricsReporter.dynamoMetricNames {
            XCTAssertTrue(text.contains("\(name){dynamo_namespace=\"a\""), "\(name) exported for a")
        }

        // b leaves the fleet: its series go.
        reporter.publish(members: [members[0]], outcomes: [r.outcomes[0]], intervalSeconds: 60, maxTotalGPUs: 4,
                         minTotalGPUs: -1, notSetUp: 0)
        let after = reporter.render()
        XCTAssertFalse(after.contains(#"dynamo_namespace="b""#), after)
        XCTAssertTrue(after.contains(#"dynamo_namespace="a""#), after)
    }
}
