import Foundation
import PlannerCore
import PlannerNumerics

/// `planner replay`'s JSON document and one-screen summary.
///
/// JSON: `{"summary": {...}, "intervals": {...}, "scaling_events": [...], "config": {...}}`
/// for one run, `{"runs": [that, ...]}` for several predictors. Keys come in a fixed
/// order and numbers as `JSONText` writes them, so the same inputs and seed give
/// the same bytes except `summary.wall_time_ms`, always the last key of `"summary"`.
public enum ReplayReport {
    public static func json(_ results: [ReplayResult], settings extra: [(String, String)]) -> String {
        if results.count == 1 { return run(results[0], extra: extra, indent: "") + "\n" }
        return "{\"runs\": [\n" + results.map { run($0, extra: extra, indent: " ") }.joined(separator: ",\n") + "\n]}\n"
    }

    public static func writeJSON(_ results: [ReplayResult], settings extra: [(String, String)], to path: String) throws {
        try OutputPath.write(Data(json(results, settings: extra).utf8), to: path, what: "replay JSON")
    }

    /// A fleet replay: `{"deployments": [{"name", "weight", then a single replay's keys}, ...], "fleet": {...}}`.
    public static func fleetJSON(_ f: ReplayFleetResult, settings extras: [[(String, String)]]) -> String {
        var items: [String] = []
        for (k, r) in f.results.enumerated() {
            let body = run(r, extra: k < extras.count ? extras[k] : [], indent: " ")
            let head = " {\"name\": \(string(f.names[k])), \"weight\": \(NumberText.json(f.weights[k])), "
            items.append(head + body.dropFirst(2))
        }
        var fleet = f.summaryFields.map { "\"\($0.0)\": \(number($0.1))" }
        fleet.append("\"granted_gpus\": " + ints(f.grantedGPUs))
        fleet.append("\"wall_time_ms\": \(NumberText.json(f.wallTimeMilliseconds))")
        return "{\"deployments\": [\n" + items.joined(separator: ",\n") + "\n],\n\"fleet\": {" + fleet.joined(separator: ", ") + "}}\n"
    }

    public static func writeFleetJSON(_ f: ReplayFleetResult, settings extras: [[(String, String)]], to path: String) throws {
        try OutputPath.write(Data(fleetJSON(f, settings: extras).utf8), to: path, what: "replay JSON")
    }

    static func run(_ r: ReplayResult, extra: [(String, String)], indent: String) -> String {
        var out = indent + "{\"summary\": {"
        var fields = r.summaryFields.map { "\"\($0.0)\": \(number($0.1))" }
        fields.append("\"partial\": \(r.stop != nil)")
        fields.append("\"stop_reason\": \(r.stop.map { string($0.description) } ?? "null")")
        fields.append("\"wall_time_ms\": \(NumberText.json(r.wallTimeMilliseconds))")
        out += fields.joined(separator: ", ") + "},\n"
        out += indent + " \"intervals\": " + intervals(r) + ",\n"
        out += indent + " \"scaling_events\": [" + r.events.map {
            "{\"time_s\": \(NumberText.json($0.timeSeconds)), \"component\": \"\($0.component.rawValue)\", \"from\": \($0.from), \"to\": \($0.to)}"
        }.joined(separator: ", ") + "],\n"
        out += indent + " \"config\": " + config(r.configuration, extra: extra) + "}"
        return out
    }

    static func intervals(_ r: ReplayResult) -> String {
        let s = r.intervals
        let columns: [(String, String)] = [
            ("time", doubles(s.time)),
            ("num_p_requested", ints(s.requestedPrefill)), ("num_d_requested", ints(s.requestedDecode)),
            ("num_p_live", ints(s.livePrefill)), ("num_d_live", ints(s.liveDecode)),
            ("queue_depth", ints(s.queueDepth)), ("kv_utilization", optionals(s.kvUtilization)),
            ("arrivals", ints(s.arrivals)), ("finished", ints(s.finished)),
            ("p50_ttft_ms", optionals(s.p50TTFT)), ("p90_ttft_ms", optionals(s.p90TTFT)),
            ("p50_itl_ms", optionals(s.p50ITL)), ("p90_itl_ms", optionals(s.p90ITL)),
            ("sla_attainment", optionals(s.attainment)),
        ]
        return "{\"interval_seconds\": \(r.configuration.planner.intervalSeconds), "
            + columns.map { "\"\($0.0)\": \($0.1)" }.joined(separator: ", ") + "}"
    }

    static func config(_ c: ReplayConfiguration, extra: [(String, String)]) -> String {
        "{" + configFields(c, extra: extra).map { "\"\($0.0)\": \($0.1)" }.joined(separator: ", ") + "}"
    }

    /// The settings of a replay as `key: value` lines (JSON values are YAML flow values),
    /// the "configuration used" of the HTML report.
    public static func configurationText(_ c: ReplayConfiguration, extra: [(String, String)]) -> String {
        configFields(c, extra: extra).map { "\($0.0): \($0.1)\n" }.joined()
    }

    /// `"config"`'s keys in order, each with its JSON value.
    static func configFields(_ c: ReplayConfiguration, extra: [(String, String)]) -> [(String, String)] {
        let p = c.planner, sim = c.simulator
        var f: [(String, String)] = extra.map { ($0.0, string($0.1)) }
        f += [
            ("mode", string(c.mode.rawValue)), ("perf_model", string(c.perfModel.rawValue)),
            ("planner", "\(c.plannerEnabled)"),
            ("load_predictor", c.predictor.map { string($0.kind.rawValue) } ?? "null"),
            ("adjustment_interval", "\(p.intervalSeconds)"),
            ("ttft_ms", NumberText.json(p.ttftMilliseconds)), ("itl_ms", NumberText.json(p.itlMilliseconds)),
            ("max_gpu_budget", "\(p.maxGPUBudget)"), ("min_endpoint", "\(p.minEndpoint)"),
            ("prefill_engine_num_gpu", "\(p.prefillEngineGPUs)"), ("decode_engine_num_gpu", "\(p.decodeEngineGPUs)"),
            ("correction", "\(p.correctionEnabled)"),
        ]
        if let pr = c.predictor {
            f += [("load_predictor_log1p", "\(pr.log1p)"), ("prophet_window_size", "\(pr.prophetWindowSize)"),
                  ("kalman_q_level", NumberText.json(pr.kalmanQLevel)), ("kalman_q_trend", NumberText.json(pr.kalmanQTrend)),
                  ("kalman_r", NumberText.json(pr.kalmanR)), ("kalman_min_points", "\(pr.kalmanMinPoints)")]
        }
        if c.mode == .agg {
            f.append(("num_workers", "\(c.decodeWorkers)"))
        } else {
            f += [("num_prefill_workers", "\(c.prefillWorkers)"), ("num_decode_workers", "\(c.decodeWorkers)")]
        }
        f += [
            ("startup_time", NumberText.json(sim.startupTimeSeconds)), ("routing", string(sim.routing.name)),
            ("kv_bytes_per_token", NumberText.json(sim.kvBytesPerToken)),
            ("kv_transfer_bandwidth_bytes_per_s", NumberText.json(sim.kvBandwidthBytesPerSecond)),
            ("trace_block_size", "\(sim.traceBlockSize)"), ("max_workers_per_pool", "\(sim.maxWorkersPerPool)"),
            ("max_inflight_requests", "\(sim.maxInflight)"),
            ("max_sim_time", NumberText.json(c.maxSimTimeSeconds)), ("seed", "\(sim.seed)"),
        ]
        let engines = c.mode == .agg ? [("engine", sim.prefillEngine)]
            : [("prefill_engine", sim.prefillEngine), ("decode_engine", sim.decodeEngine)]
        for (name, e) in engines {
            f.append((name, "{\"max_num_batched_tokens\": \(e.maxNumBatchedTokens), \"max_num_seqs\": \(e.maxNumSeqs), "
                + "\"num_gpu_blocks\": \(e.numGpuBlocks), \"block_size\": \(e.blockSize), "
                + "\"enable_prefix_caching\": \(e.prefixCaching), \"enable_chunked_prefill\": \(e.chunkedPrefill)}"))
        }
        return f
    }

    static func number(_ v: Double?) -> String { v.map(NumberText.json) ?? "null" }
    static func ints(_ v: [Int]) -> String { "[" + v.map(String.init).joined(separator: ", ") + "]" }
    static func doubles(_ v: [Double]) -> String { NumberText.jsonArray(v) }
    static func optionals(_ v: [Double?]) -> String { "[" + v.map(number).joined(separator: ", ") + "]" }

    static func string(_ s: String) -> String { JSONText.string(s) }
}
