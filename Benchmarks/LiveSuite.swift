import Connectors
import Foundation
import HTTPTestSupport
import Logging
import PlannerCore
import PlannerIO

/// One live decision (issue 8): six Prometheus queries over HTTP to an
/// in-process responder speaking the Prometheus API, parsing and label
/// filtering, three ARIMA updates and forecasts, correction factors, replica
/// maths, budget and the connector call. Target: under 5 ms of planner CPU per
/// decision, network waits excluded — measured as process CPU time
/// (getrusage), which also charges the in-process responder's work to us.
enum LiveSuite {
    /// Serves the trace's intervals one after another, as a frontend's Prometheus would.
    final class Responder: @unchecked Sendable {
        let intervals: [IntervalMetrics]
        let lock = NSLock()
        var index = 0

        init(intervals: [IntervalMetrics]) { self.intervals = intervals }

        func answer(_ query: String) -> String {
            let current: IntervalMetrics = lock.withLock {
                if query.contains("requests_total") { index += 1 }
                return intervals[index % intervals.count]
            }
            let value: Double
            if query.contains("time_to_first_token") { value = 0.12 }
            else if query.contains("inter_token_latency") { value = 0.009 }
            else if query.contains("request_duration") { value = 3.5 }
            else if query.contains("input_sequence") { value = current.averageISL }
            else if query.contains("output_sequence") { value = current.averageOSL }
            else { value = Double(current.requestCount) }
            func sample(_ model: String, _ ns: String, _ v: Double) -> String {
                "{\"metric\":{\"model\":\"\(model)\",\"dynamo_namespace\":\"\(ns)\",\"instance\":\"frontend:8000\",\"job\":\"frontend\"},\"value\":[1764400000.5,\"\(v)\"]}"
            }
            return "{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":[" +
                [sample("llama-3.1-8b", "dynamo", value), sample("qwen", "dynamo", 1), sample("llama-3.1-8b", "staging", 2)]
                .joined(separator: ",") + "]}}"
        }
    }

    /// The connector call without a network: records the targets.
    final class InMemoryConnector: PlannerConnector, @unchecked Sendable {
        var counts = WorkerCounts(prefill: 1, decode: 1)
        func addComponent(_ component: ComponentType, blocking: Bool) async throws {}
        func removeComponent(_ component: ComponentType, blocking: Bool) async throws {}
        func setComponentReplicas(_ targets: [TargetReplica], blocking: Bool) async throws {
            for t in targets { if t.component == .prefill { counts.prefill = t.replicas } else { counts.decode = t.replicas } }
        }
        func currentWorkerCounts() async throws -> WorkerCounts { counts }
        func validateDeployment() async throws {}
        func waitForDeploymentReady() async throws {}
        func modelName(requested: String?) async throws -> String { requested ?? "" }
    }

    static func cpuSeconds() -> Double {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec)
            + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
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

    static func measure(_ context: BenchContext) async throws {
        let intervals = try TraceReader.extractIntervals(from: DryrunSuite.trace, intervalSeconds: 10)
        let warm = Array(intervals.prefix(intervals.count / 2))
        let live = Array(intervals.dropFirst(warm.count))
        let responder = Responder(intervals: live)
        let server = try await LoopbackHTTPServer.start { request in
            HTTPServerResponse(contentType: "application/json", body: responder.answer(request.query["query"] ?? ""))
        }
        defer { Task { await server.stop() } }
        var settings = DryrunSuite.settings(interval: 10)
        settings.correctionEnabled = true
        let profile = try ProfileLoader.load(directory: DryrunSuite.profileDirectory)
        let engine = try PlannerDecisionEngine(settings: settings, profile: profile, predictor: DryrunSuite.configuration(.arima))
        engine.warmUp(with: warm)
        let metrics = try PrometheusQueryClient(endpoint: server.baseURL, modelName: "Llama-3.1-8B", namespace: "dynamo")
        let planner = LivePlanner(engine: engine, metrics: metrics, connector: InMemoryConnector(),
                                  sink: PlannerMetricsReporter(), logger: .init(label: "bench") { _ in SwiftLogNoOpLogHandler() })
        // The first decision fits the ARIMA models from scratch; later ones update them.
        let firstCPU = cpuSeconds()
        _ = await planner.step()
        let fit = cpuSeconds() - firstCPU
        let n = context.quick ? 20 : min(200, live.count - 1)
        let cpu0 = cpuSeconds(), wall0 = DispatchTime.now().uptimeNanoseconds
        var decided = 0
        for _ in 0..<n {
            if case .decided = await planner.step() { decided += 1 }
        }
        let cpu = (cpuSeconds() - cpu0) / Double(n)
        let wall = Double(DispatchTime.now().uptimeNanoseconds - wall0) / 1e9 / Double(n)
        print("one live decision (6 queries over loopback HTTP, 3×ARIMA, maths, connector), \(n) decisions, \(decided) decided:")
        print("  CPU per decision: \(BenchContext.format(cpu)) (target < 5 ms: \(cpu < 0.005 ? "met" : "MISSED")); wall: \(BenchContext.format(wall))")
        print("  first decision (ARIMA order search and fit ×3): CPU \(BenchContext.format(fit))")
        // The same decisions without the queries: what the HTTP and JSON part costs.
        let offline = try PlannerDecisionEngine(settings: settings, profile: profile, predictor: DryrunSuite.configuration(.arima))
        offline.warmUp(with: warm)
        let seen = ObservedMetrics(ttftMilliseconds: 120, itlMilliseconds: 9, requestCount: 0, isl: 0, osl: 0,
                                   requestDurationSeconds: 3.5)
        var corrections = CorrectionFactors.neutral
        let cpu1 = cpuSeconds()
        for k in 0..<(n + 1) {
            let x = live[k % live.count]
            var o = seen
            o.requestCount = Double(x.requestCount)
            o.isl = x.averageISL
            o.osl = x.averageOSL
            offline.observe(requestCount: Double(x.requestCount), isl: x.averageISL, osl: x.averageOSL)
            corrections = offline.correctionFactors(observed: o, decodeWorkers: 2, previous: corrections)
            _ = offline.decide(offline.predictLoad(), corrections: corrections)
        }
        let core = (cpuSeconds() - cpu1) / Double(n + 1)
        print("  of which prediction + maths (no queries, incl. first fit): CPU \(BenchContext.format(core)); queries, parsing, connector, log, gauges: \(BenchContext.format(max(0, cpu - core)))")
        // The reference's ARIMA step alone (predict + add, one series) on the same trace:
        // its live decision runs three of them, so 3× that is a lower bound for its decision.
        if let out = try context.runPython([context.reference, "predict", DryrunSuite.trace, "10", "arima"]),
           let json = try? JSONSerialization.jsonObject(with: Data(out.utf8)) as? [String: Any],
           let steps = json["step_seconds"] as? [Double], steps.count > warm.count {
            let later = steps.dropFirst(warm.count)
            let mean = later.reduce(0, +) / Double(later.count)
            context.report("  decision vs reference's 3 ARIMA steps (lower bound of its decision)", ours: cpu, reference: 3 * mean)
        }
    }
}
