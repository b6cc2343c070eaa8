import Dispatch
import Foundation
import PlannerCore
import PlannerIO
import PlannerNumerics

/// `planner replay` (issue 12), side by side with Dynamo 1.6.1's mocker
/// (`--dynamo-python PATH`, a Python with ai-dynamo 1.6.1): the bundled one-hour
/// Mooncake trace with fixed workers (4 aggregated; 2 prefill + 1 decode), timed
/// and compared number by number; then a 3-day, 850,000-request diurnal trace
/// with the planner in the loop at 60 s (target: ≤ 10 s on one core).
enum ReplaySuite {
    static let trace = "data/traces/mooncake_conversation.jsonl"
    static let profileDirectory = "data/profiles/h200_llama8b_tp1"
    static let timer = "tools/replay_goldens/time_mocker.py"
    static let diurnalGenerator = "tools/gen_diurnal_trace.py"

    static func run(_ context: BenchContext) throws {
        for layout in [(ReplayServingMode.agg, 0, 4), (.disagg, 2, 1)] {
            try againstMocker(context, mode: layout.0, prefill: layout.1, decode: layout.2)
        }
        try diurnalWithPlanner(context)
    }

    /// Runs an async replay to completion from synchronous suite code.
    static func blocking(_ driver: ReplayDriver) throws -> ReplayResult {
        let box = ResultBox()
        let done = DispatchSemaphore(value: 0)
        Task.detached {
            do { box.result = .success(try await driver.run()) } catch { box.result = .failure(error) }
            done.signal()
        }
        done.wait()
        return try box.result!.get()
    }

    final class ResultBox: @unchecked Sendable { var result: Result<ReplayResult, Error>? }

    static func mockerConfiguration(mode: ReplayServingMode, prefill: Int, decode: Int) -> ReplayConfiguration {
        var planner = PlannerSettings()
        planner.ttftMilliseconds = 600
        planner.itlMilliseconds = 20
        planner.intervalSeconds = 60
        var sim = ReplaySimulatorSettings()
        sim.mode = mode.simulatorMode
        sim.perf = .mockerPolynomial
        return ReplayConfiguration(planner: planner, predictor: nil, mode: mode, perfModel: .mocker, prefillWorkers: prefill,
                                   decodeWorkers: decode, maxSimTimeSeconds: 1e7, simulator: sim)
    }

    static func againstMocker(_ context: BenchContext, mode: ReplayServingMode, prefill: Int, decode: Int) throws {
        let config = mockerConfiguration(mode: mode, prefill: prefill, decode: decode)
        var result: ReplayResult?
        let ours = try context.time(repeats: context.quick ? 1 : 3) {
            result = try blocking(ReplayDriver(configuration: config, engine: nil, source: try ReplayTraceReader(path: trace)))
        }
        let label = mode == .agg ? "agg, \(decode) workers" : "disagg, \(prefill) prefill + \(decode) decode"
        guard let r = result else { return }
        let f = Dictionary(r.summaryFields, uniquingKeysWith: { a, _ in a })
        let reference = try mocker(context, mode: mode, prefill: prefill, decode: decode)
        let timed = try timeMocker(context, mode: mode, prefill: prefill, decode: decode)
        context.report("replay of the bundled trace (\(r.requests) requests), \(label), vs the mocker's own wall_time_ms",
                       ours: ours, reference: timed?.mockerSeconds ?? reference?.seconds)
        if let timed {
            context.report("  the same vs the mocker's whole Python call (time_mocker.py best_wall_s)", ours: ours,
                           reference: timed.callSeconds)
        }
        let keys = ["completed_requests", "total_output_tokens", "mean_ttft_ms", "median_ttft_ms", "p90_ttft_ms",
                    "mean_itl_ms", "median_itl_ms", "p90_itl_ms"]
        for key in keys {
            let o = f[key] ?? nil
            let m = reference?.summary[key]
            var row = "  \(key.padding(toLength: 20, withPad: " ", startingAt: 0)) ours \(o.map { String(format: "%.3f", $0) } ?? "n/a")"
            if let m {
                row += String(format: "  mocker %.3f", m)
                if let o, m != 0 { row += String(format: "  (%+.2f %%)", (o - m) / m * 100) }
            }
            print(row)
        }
    }

    /// The study's timing script (best of 3): the mocker's own `wall_time_ms` and the whole Python call.
    static func timeMocker(_ context: BenchContext, mode: ReplayServingMode, prefill: Int, decode: Int)
        throws -> (mockerSeconds: Double, callSeconds: Double)? {
        guard let python = context.dynamoPython, FileManager.default.fileExists(atPath: timer) else { return nil }
        let counts = mode == .agg ? ["\(decode)"] : ["\(prefill)", "\(decode)"]
        guard let out = try context.runPython([timer, trace, mode.rawValue] + counts + ["--repeat", context.quick ? "1" : "3"],
                                              interpreter: python),
              let line = out.split(separator: "\n").last,
              let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
              let call = (object["best_wall_s"] as? NSNumber)?.doubleValue,
              let inner = (object["mocker_wall_ms"] as? [NSNumber])?.map(\.doubleValue).min() else { return nil }
        return (inner / 1000, call)
    }

    /// Dynamo's replay of the same trace and workers: its own `wall_time_ms` and summary.
    static func mocker(_ context: BenchContext, mode: ReplayServingMode, prefill: Int, decode: Int)
        throws -> (seconds: Double, summary: [String: Double])? {
        guard let python = context.dynamoPython else { return nil }
        let arguments: [String]
        do {
            // The calls issue 12 names, with the full summary for the number-by-number comparison.
            let call = mode == .agg
                ? "run_trace_replay(t, num_workers=\(decode), sla_ttft_ms=600, sla_itl_ms=20)"
                : "run_trace_replay(t, num_prefill_workers=\(prefill), num_decode_workers=\(decode), sla_ttft_ms=600, sla_itl_ms=20, "
                    + "prefill_engine_args={'engine': {'worker_type': 'prefill', 'timing_model': {'type': 'polynomial'}}}, "
                    + "decode_engine_args={'engine': {'worker_type': 'decode', 'timing_model': {'type': 'polynomial'}}})"
            arguments = ["-c", """
                import json, sys
                from dynamo.replay.api import run_trace_replay
                t = sys.argv[1]
                r = \(call)
                s = dict(r["summary"] if isinstance(r, dict) else r.summary)
                print(json.dumps({k: v for k, v in s.items() if isinstance(v, (int, float))}))
                """, trace]
        }
        guard let out = try context.runPython(arguments, interpreter: python),
              let line = out.split(separator: "\n").last,
              let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else {
            print("  (Dynamo's replay failed; is ai-dynamo 1.6.1 installed in \(python)?)")
            return nil
        }
        let summary = (object["summary"] as? [String: Any] ?? object).compactMapValues { ($0 as? NSNumber)?.doubleValue }
        guard let wall = summary["wall_time_ms"] else { return nil }
        return (wall / 1000, summary)
    }

    /// 850,000 requests over three days: Poisson arrivals at a diurnal rate
    /// (peak 3× the trough), ISL and OSL drawn from a fixed seeded generator,
    /// generated as the replay pulls them (nothing is held in memory).
    static func diurnalSource(requests: Int, days: Double, seed: UInt64) -> ClosureRequestSource {
        var rng = SplitMix(seed: seed)
        let span = days * 86_400
        let mean = Double(requests) / span
        var t = 0.0
        var produced = 0
        return ClosureRequestSource {
            guard produced < requests else { return nil }
            // Thinning: candidates at the peak rate, kept with probability rate(t)/peak.
            let peak = 1.5 * mean
            repeat {
                t += -log(1 - rng.uniform()) / peak
            } while rng.uniform() > (1 + 0.5 * sin(2 * Double.pi * t / 86_400)) / 1.5
            produced += 1
            let isl = 500 + Int(rng.uniform() * 3500)
            let osl = 50 + Int(rng.uniform() * 450)
            return ReplayTraceRow(arrivalSeconds: t, inputLength: isl, outputLength: osl, hashIDs: nil, location: "generated")
        }
    }

    struct SplitMix {
        var state: UInt64
        init(seed: UInt64) { state = seed }
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        mutating func uniform() -> Double { Double(next() >> 11) / Double(1 << 53) }
    }

    /// The study's generator's 3-day trace (written once to the scratch directory), else nil.
    static func diurnalTraceFile(_ context: BenchContext, requests: Int, days: Double) -> String? {
        guard FileManager.default.fileExists(atPath: diurnalGenerator) else { return nil }
        let path = "\(context.scratchDirectory)/diurnal-\(requests)-\(days).jsonl"
        if FileManager.default.fileExists(atPath: path) { return path }
        let python = context.python ?? "/usr/bin/python3"
        guard (try? context.runPython([diurnalGenerator, path, "--days", "\(days)", "--requests", "\(requests)"],
                                      interpreter: python)) != nil,
              FileManager.default.fileExists(atPath: path) else { return nil }
        return path
    }

    static func diurnalWithPlanner(_ context: BenchContext) throws {
        let requests = context.quick ? 85_000 : 850_000
        let days = context.quick ? 0.3 : 3.0
        let file = diurnalTraceFile(context, requests: requests, days: days)
        print("3-day trace: " + (file.map { "\($0) from \(diurnalGenerator)" } ?? "generated in memory (no \(diurnalGenerator))"))
        let profile = try ProfileLoader.load(directory: profileDirectory)
        var config = mockerConfiguration(mode: .disagg, prefill: 1, decode: 1)
        config.planner.maxGPUBudget = -1
        config.simulator.perf = .mockerPolynomial
        var predictor = LoadPredictorConfiguration()
        predictor.kind = .kalman
        config.predictor = predictor
        var result: ReplayResult?
        let seconds = try context.time(repeats: 1) {
            let engine = try PlannerDecisionEngine(settings: config.planner, profile: profile, predictor: predictor)
            let source: ReplayRequestSource = try file.map { try ReplayTraceReader(path: $0) }
                ?? diurnalSource(requests: requests, days: days, seed: 42)
            result = try blocking(ReplayDriver(configuration: config, engine: engine, source: source))
        }
        guard let r = result else { return }
        print(String(format: "replay of a %.1f-day diurnal trace, %d requests, planner (kalman) at 60 s: %@ "
                     + "(%d intervals, %d scaling events, %.1f GPU-hours, attainment %.3f; target ≤ 10 s)",
                     days, r.requests, BenchContext.format(seconds), r.intervals.count, r.events.count, r.gpuHours,
                     (r.summaryFields.first { $0.0 == "sla_attainment" }?.1 ?? nil) ?? .nan))
    }
}
