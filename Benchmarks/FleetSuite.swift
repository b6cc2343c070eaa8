import Connectors
import Foundation
import HTTPTestSupport
import Logging
import PlannerCore
import PlannerIO

/// One planner for a fleet (issue 15): N deployments in one process against a
/// real Prometheus scraping an in-process generator of `dynamo_frontend_*`
/// series for N namespaces, and a real etcd (one virtual connector per
/// deployment). Reports the wall time of all decisions of one interval (the
/// batched metrics read, then every decision, the budget and N etcd writes),
/// CPU per decision, and resident memory per deployment, with Kalman and ARIMA.
enum FleetSuite {
    static let model = "llama-3.1-8b"
    static let scrapeSeconds = 5
    static let windowSeconds = 30

    static func namespace(_ i: Int) -> String { String(format: "fleet-%05d", i) }

    /// The /metrics page of N frontends: counters grow with time at a rate that
    /// differs per namespace; latencies are fixed per namespace.
    final class Generator: @unchecked Sendable {
        let count: Int
        let start = DispatchTime.now().uptimeNanoseconds
        init(count: Int) { self.count = count }

        func render() -> String {
            let t = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9 + 1
            var text = ""
            text.reserveCapacity(count * 1700)
            for i in 0..<count {
                let labels = "model=\"\(FleetSuite.model)\",dynamo_namespace=\"\(FleetSuite.namespace(i))\""
                let n = (t * Double(10 * (1 + i % 20))).rounded(.down)
                text += "dynamo_frontend_requests_total{\(labels)} \(n)\n"
                let families: [(String, Double, Double)] = [
                    ("time_to_first_token_seconds", n, 0.1 + Double(i % 7) * 0.05),
                    ("inter_token_latency_seconds", n * 199, 0.008 + Double(i % 5) * 0.002),
                    ("request_duration_seconds", n, 2.5),
                    ("input_sequence_tokens", n, 3000),
                    ("output_sequence_tokens", n, 200),
                ]
                for (name, c, mean) in families {
                    text += "dynamo_frontend_\(name)_bucket{\(labels),le=\"+Inf\"} \(c)\n"
                    text += "dynamo_frontend_\(name)_sum{\(labels)} \(c * mean)\n"
                    text += "dynamo_frontend_\(name)_count{\(labels)} \(c)\n"
                }
            }
            return text
        }
    }

    static func residentBytes() -> Double {
        guard let text = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8) else { return .nan }
        let fields = text.split(separator: " ")
        guard fields.count > 1, let pages = Double(fields[1]) else { return .nan }
        return pages * Double(sysconf(Int32(_SC_PAGESIZE)))
    }

    static func run(_ context: BenchContext) throws {
        let semaphore = DispatchSemaphore(value: 0)
        var failure: Error?
        Task.detached {
            do { try await measure(context) } catch { failure = error }
            semaphore.signal()
        }
        semaphore.wait()
        if let failure { throw failure }
    }

    struct Timeout: Error, CustomStringConvertible {
        var description: String
    }

    static func measure(_ context: BenchContext) async throws {
        let n = context.quick ? min(200, context.deployments) : context.deployments
        let generator = Generator(count: n)
        let server = try await LoopbackHTTPServer.start { _ in HTTPServerResponse(body: generator.render()) }
        let prometheus = try BenchPeer.prometheus(target: "127.0.0.1:\(server.port)", scrapeSeconds: scrapeSeconds,
                                                  scratch: context.scratchDirectory)
        let etcdPeer = try BenchPeer.etcd(scratch: context.scratchDirectory)
        defer {
            prometheus.stop()
            etcdPeer.stop()
        }
        let quiet = Logger(label: "bench") { _ in SwiftLogNoOpLogHandler() }
        let probe = try PrometheusQueryClient(endpoint: prometheus.url, modelName: "-", namespace: "-", timeoutSeconds: 10)
        // Every namespace needs two scrapes inside the window before increase() has a value.
        let ready = "count(increase(dynamo_frontend_requests_total[\(windowSeconds)s]) > 0)"
        let deadline = Date().addingTimeInterval(180)
        while true {
            if let v = try? await probe.query(ready).first?.value, v >= Double(n) { break }
            if Date() > deadline { throw Timeout(description: "Prometheus did not hold \(n) namespaces' series within 180 s") }
            try await Task.sleep(nanoseconds: 500_000_000)
        }
        print("fleet of \(n) deployments: Prometheus \(prometheus.url) scraping \(16 * n) series every \(scrapeSeconds) s, etcd \(etcdPeer.url)")
        // What Prometheus spends without any query (scraping and storing 16·N series every 5 s):
        // the rest of its CPU in an interval is the planner's six queries.
        let idle0 = prometheus.cpuSeconds
        try await Task.sleep(nanoseconds: 10_000_000_000)
        print(String(format: "Prometheus CPU without queries: %@ per second (scraping %d series every %d s)",
                     BenchContext.format((prometheus.cpuSeconds - idle0) / 10), 16 * n, scrapeSeconds))
        let etcd = EtcdClient(endpoints: try EtcdEndpoints([etcdPeer.url]), logger: quiet)
        let reader = try PrometheusFleetReader(endpoint: prometheus.url, timeoutSeconds: 30)
        let keys = (0..<n).map { FleetMetricsKey(namespace: namespace($0), model: model) }
        let profile = try ProfileLoader.load(directory: DryrunSuite.profileDirectory)
        var settings = DryrunSuite.settings(interval: windowSeconds)
        settings.maxGPUBudget = -1
        settings.correctionEnabled = true

        for kind in [LoadPredictorKind.kalman, .arima] {
            let rss0 = residentBytes()
            var members: [FleetMember] = []
            members.reserveCapacity(n)
            for i in 0..<n {
                let engine = try PlannerDecisionEngine(settings: settings, profile: profile,
                                                       predictor: DryrunSuite.configuration(kind))
                let connector = try VirtualConnector(client: etcd, namespace: namespace(i),
                                                     timing: VirtualConnectorTiming(maxWaitSeconds: 0, checkIntervalSeconds: 0.01),
                                                     logger: quiet)
                members.append(FleetMember(name: namespace(i), engine: engine, connector: connector))
            }
            let batched: FleetVirtualConnector? = context.fleetEtcd == "per-deployment" ? nil : try FleetVirtualConnector(
                client: etcd, namespaces: members.map(\.name),
                timing: VirtualConnectorTiming(maxWaitSeconds: 0, checkIntervalSeconds: 0.01), logger: quiet)
            let perDeployment = (residentBytes() - rss0) / Double(n)
            let fleet = FleetPlanner(members: members, maxTotalGPUs: 3 * n, minTotalGPUs: -1, connector: batched, logger: quiet)
            print("\(kind.rawValue): etcd \(batched == nil ? "per deployment (64 in flight)" : "batched (FleetVirtualConnector)"), resident memory per deployment \(String(format: "%.1f", perDeployment / 1024)) KiB")
            for interval in 1...4 {
                // As `FleetPlanner.run`: the etcd read of the counts overlaps the metrics read.
                let cpu0 = LiveSuite.cpuSeconds(), prometheusCPU0 = prometheus.cpuSeconds, etcdCPU0 = etcdPeer.cpuSeconds
                let wall0 = DispatchTime.now().uptimeNanoseconds
                async let counts = fleet.readCounts(only: nil)
                let observed = try await reader.observe(keys, intervalSeconds: windowSeconds)
                let wall1 = DispatchTime.now().uptimeNanoseconds
                let result = await fleet.step(observed: Dictionary(uniqueKeysWithValues: observed.map { ($0.key.namespace, $0.value) }),
                                              counts: await counts)
                let cpu = LiveSuite.cpuSeconds() - cpu0
                let prometheusCPU = prometheus.cpuSeconds - prometheusCPU0, etcdCPU = etcdPeer.cpuSeconds - etcdCPU0
                let load = (try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8))?.split(separator: " ").first.map(String.init) ?? "?"
                let wall2 = DispatchTime.now().uptimeNanoseconds
                let decided = result.outcomes.filter { if case .decided = $0 { return true } else { return false } }.count
                let p = result.phaseSeconds
                print(String(format: "  interval %d: %d decided; metrics read (6 queries) %@ alongside etcd counts read %@, then decide+budget %@, apply %@; all %@ (target ≤ 1 s: %@); CPU per decision (incl. reads) %@; budget %d GPUs",
                             interval, decided, BenchContext.format(Double(wall1 - wall0) / 1e9),
                             BenchContext.format(p.counts), BenchContext.format(p.decide), BenchContext.format(p.apply),
                             BenchContext.format(Double(wall2 - wall0) / 1e9),
                             (wall2 - wall0) <= 1_000_000_000 ? "met" : "MISSED",
                             BenchContext.format(cpu / Double(max(1, decided))), result.budget?.totalGPUs ?? 0))
                print(String(format: "    CPU during the interval: planner %@, Prometheus %@, etcd %@ (sum %@; machine load average %@ on %d cores)",
                             BenchContext.format(cpu), BenchContext.format(prometheusCPU), BenchContext.format(etcdCPU),
                             BenchContext.format(cpu + prometheusCPU + etcdCPU), load, ProcessInfo.processInfo.activeProcessorCount))
            }
        }
        await server.stop()
    }
}
