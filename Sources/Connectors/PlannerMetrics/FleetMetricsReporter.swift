import Foundation
import PlannerCore
import Prometheus

/// `/metrics` of a fleet planner: every `dynamo_planner_*` gauge of the single-deployment
/// planner once per deployment, labelled `dynamo_namespace`, plus fleet totals
/// (`dynamo_planner_fleet_*`). A deployment that leaves the fleet (`--discover`) has its series removed.
public final class FleetMetricsReporter: @unchecked Sendable {
    /// Fleet totals, in export order.
    public static let fleetGauges: [(name: String, help: String)] = [
        ("dynamo_planner_fleet_gpus_in_use",
         "GPUs of the deployments planned here: decided ones at their decision, the others at their running workers"),
        ("dynamo_planner_fleet_max_total_gpus", "Fleet GPU ceiling (-1: none)"),
        ("dynamo_planner_fleet_min_total_gpus", "Fleet GPU floor (-1: none)"),
        ("dynamo_planner_fleet_budget_limited_deployments",
         "Deployments granted fewer replicas than their SLA asked for in the last interval"),
    ]
    /// `dynamo_planner_fleet_deployments{state=…}`: planned (decided), skipped (no decision this
    /// interval), other_replica (planned by another shard), not_set_up (profile missing or broken).
    public static let deploymentsGauge = "dynamo_planner_fleet_deployments"
    public static let deploymentStates = ["planned", "skipped", "other_replica", "not_set_up"]

    public let registry = PrometheusCollectorRegistry()
    public let advisory: Bool
    private let lock = NSLock()
    private var perDeployment: [String: DynamoPlannerGauges] = [:]
    private var totals: [String: Gauge] = [:]
    private var states: [String: Gauge] = [:]

    public init(advisory: Bool = false) {
        self.advisory = advisory
        for (name, help) in Self.fleetGauges { totals[name] = registry.makeGauge(name: name, help: help) }
        for state in Self.deploymentStates {
            states[state] = registry.makeGauge(name: Self.deploymentsGauge, labels: [("state", state)],
                                               help: "Deployments of the fleet by how the last interval ended for them")
        }
    }

    /// Publishes one interval: `outcomes` in member order (nil before the first interval);
    /// `notSetUp` counts the deployments that could not be set up.
    public func publish(members: [FleetMember], outcomes: [LiveIntervalOutcome]?, intervalSeconds: Int,
                        maxTotalGPUs: Int, minTotalGPUs: Int, notSetUp: Int) {
        lock.withLock {
            let names = Set(members.map(\.name))
            for (name, gauges) in perDeployment where !names.contains(name) {
                gauges.unregister(from: registry)
                perDeployment[name] = nil
            }
            var counts = Dictionary(uniqueKeysWithValues: Self.deploymentStates.map { ($0, 0) })
            var gpus = 0.0, limited = 0.0
            for (i, m) in members.enumerated() {
                let settings = m.engine.settings
                var workers = m.state.workers
                switch outcomes.flatMap({ i < $0.count ? $0[i] : nil }) {
                case let .decided(decision, _)?:
                    counts["planned", default: 0] += 1
                    workers = WorkerCounts(prefill: decision.prefill, decode: decision.decode)
                    if decision.budgetLimited { limited += 1 }
                case let .unavailable(reason)? where reason == FleetPlanner.otherReplica:
                    // Its series belong to the replica that plans it.
                    counts["other_replica", default: 0] += 1
                    perDeployment[m.name]?.unregister(from: registry)
                    perDeployment[m.name] = nil
                    continue
                default:
                    counts["skipped", default: 0] += 1
                }
                let gauges = perDeployment[m.name] ?? DynamoPlannerGauges(registry: registry, labels: [("dynamo_namespace", m.name)])
                perDeployment[m.name] = gauges
                gauges.publish(m.state, intervalSeconds: intervalSeconds, settings: settings, paused: false, advisory: advisory)
                gpus += Double(max(0, workers.prefill)) * Double(max(1, settings.prefillEngineGPUs))
                    + Double(max(0, workers.decode)) * Double(max(1, settings.decodeEngineGPUs))
            }
            counts["not_set_up"] = notSetUp
            for (state, gauge) in states { gauge.set(Double(counts[state] ?? 0)) }
            totals["dynamo_planner_fleet_gpus_in_use"]?.set(gpus)
            totals["dynamo_planner_fleet_max_total_gpus"]?.set(Double(maxTotalGPUs))
            totals["dynamo_planner_fleet_min_total_gpus"]?.set(Double(minTotalGPUs))
            totals["dynamo_planner_fleet_budget_limited_deployments"]?.set(limited)
        }
    }

    /// The exposition text served on /metrics.
    public func render() -> String {
        var bytes: [UInt8] = []
        lock.withLock { registry.emit(into: &bytes) }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// `GET /metrics` and `GET /health`.
    public var routes: [PlannerHTTPServer.Route] { PlannerMetricsReporter.routes(render: { [self] in render() }) }
}
