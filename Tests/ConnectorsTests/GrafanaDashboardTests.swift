@testable import Connectors
import Foundation
import PlannerCore
import XCTest

/// The committed Grafana dashboard loads as JSON, and every metric its queries
/// name is one the planner exports (and renders on /metrics).
final class GrafanaDashboardTests: XCTestCase {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    func testDashboardReferencesOnlyExportedMetrics() throws {
        let url = Self.root.appendingPathComponent("dashboards/planner-decisions.grafana.json")
        let object = try JSONSerialization.jsonObject(with: try Data(contentsOf: url))
        let dashboard = try XCTUnwrap(object as? [String: Any])
        let panels = try XCTUnwrap(dashboard["panels"] as? [[String: Any]])
        XCTAssertFalse(panels.isEmpty)
        var exprs: [String] = []
        for panel in panels {
            XCTAssertNotNil(panel["title"] as? String)
            for target in (panel["targets"] as? [[String: Any]]) ?? [] {
                exprs.append(try XCTUnwrap(target["expr"] as? String))
            }
        }
        let exported = Set(PlannerMetricsReporter.dynamoMetricNames + PlannerMetricsReporter.gaugeNames)
        let reporter = PlannerMetricsReporter()
        var state = PlannerState(workers: WorkerCounts(prefill: 1, decode: 1), settings: PlannerSettings())
        state.reason = .hold
        reporter.publish(state, intervalSeconds: 60)
        let rendered = reporter.render()
        var used = Set<String>()
        let pattern = try NSRegularExpression(pattern: "(dynamo_planner_[a-z_]+|planner:[a-z_]+)")
        for expr in exprs {
            for m in pattern.matches(in: expr, range: NSRange(expr.startIndex..., in: expr)) {
                let name = String(expr[Range(m.range, in: expr)!])
                // label names inside braces share the prefix (dynamo_planner_decision_reason="…")
                used.insert(name)
            }
        }
        XCTAssertFalse(used.isEmpty)
        for name in used {
            XCTAssertTrue(exported.contains(name), "the dashboard uses \(name), which the planner does not export")
            XCTAssertTrue(rendered.contains("\n\(name)") || rendered.hasPrefix(name) || rendered.contains("# TYPE \(name) "),
                          "\(name) is not in the /metrics text")
        }
        XCTAssertTrue(used.contains("dynamo_planner_decision_reason"))
    }
}
