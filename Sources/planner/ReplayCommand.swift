import ArgumentParser
import Foundation
import PlannerCore
import PlannerIO
import PlannerNumerics

struct ReplayCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "replay",
        abstract: "Simulate every request of a trace on simulated workers, with the planner in the loop.",
        discussion: """
        Requests arrive at their timestamps and are served by simulated vLLM-style workers (continuous \
        batching, chunked prefill, KV cache with prefix reuse and preemption). Every adjustment interval \
        the planner observes what Prometheus would report and scales the pools (new workers serve after \
        --startup-time). Prints TTFT/ITL percentiles, SLA attainment, goodput and GPU-hours. \
        See docs/replay.md.
        """
    )

    @Option(name: .customLong("dataset"),
            help: ArgumentHelp("Trace: a file, directory or glob of Mooncake JSONL (.jsonl, .jsonl.gz, with hash_ids), Dynamo trace v1, or Azure CSV. "
                + "Repeat for a fleet replay, one deployment per trace named after its file (see --deployment). "
                + "(default: \(ReplayCommand.defaultDataset))"))
    var datasets: [String] = []

    @OptionGroup var fleet: ReplayFleetOptions

    @OptionGroup var engine: ReplayEngineOptions

    @OptionGroup var decision: DecisionOptions

    @Option(help: "Load predictor(s), comma-separated (constant, arima, kalman, prophet): one replay each, compared in one table.")
    var loadPredictor: String = "arima"

    @OptionGroup var tuning: PredictorTuningOptions

    @OptionGroup var loadBased: LoadBasedOptions

    @Flag(help: "Do not scale demand by observed/profiled latency ratios.")
    var noCorrection = false

    @Flag(help: "Fixed worker counts (--num-workers, or --num-prefill-workers and --num-decode-workers), no planner.")
    var noPlanner = false

    @Option(help: "Stop after this many simulated seconds with a partial report.")
    var maxSimTime: Double = 604_800

    @Option(help: "Requests in flight (arrived, not finished) the simulator holds; when that many wait and a gap between two arrivals passes without one finishing, the replay stops with a partial report. Raise it to run an overloaded policy to the end (memory grows with it). (1 to 67108864)")
    var maxInflight: Int = ReplaySimulatorSettings().maxInflight

    @Option(help: "Seed of the simulator's random choices.")
    var seed: UInt64 = 0

    @Option(help: "Write the summary, per-interval series and settings as JSON here.")
    var outputJson: String?

    @Option(help: "Write the per-interval chart here (.svg, or .png via rsvg-convert).")
    var outputPlot: String?

    @Option(help: "Write one JSON line per finished request here.")
    var perRequest: String?

    @Option(help: "Write a self-contained HTML report (charts with hover values, summary, the settings used) here.")
    var report: String?

    static let defaultDataset = "data/traces/mooncake_conversation.jsonl"

    /// The one trace of a single replay.
    var dataset: String { datasets.first ?? Self.defaultDataset }

    func validate() throws {
        _ = try predictorKinds()
        if try !fleetDeployments().isEmpty {
            if noPlanner { throw ValidationError("a fleet replay (several --dataset or --deployment) needs the planner; drop --no-planner") }
            if try predictorKinds().count > 1 { throw ValidationError("a fleet replay takes one --load-predictor") }
            if try loadBased.settings() != nil { throw ValidationError("the load-based mode is not available in a fleet replay") }
        } else if fleet.maxTotalGPUs >= 0 || fleet.minTotalGPUs >= 0 {
            throw ValidationError("--max-total-gpus and --min-total-gpus need several deployments (repeat --dataset or --deployment)")
        }
        guard maxSimTime.isFinite, maxSimTime > 0, maxSimTime <= 1e9 else {
            throw ValidationError("--max-sim-time must be between 0 and 1e9 s (got \(maxSimTime))")
        }
        try NumericFlag.check("--max-inflight", maxInflight, IntegerLimits(1...ReplaySimulatorSettings.maxInflightLimit, unit: "requests"))
        if noPlanner {
            let missing = engine.mode == .agg ? engine.numWorkers == nil
                : (engine.numPrefillWorkers == nil || engine.numDecodeWorkers == nil)
            if missing {
                throw ValidationError(engine.mode == .agg ? "--no-planner needs --num-workers"
                                      : "--no-planner needs --num-prefill-workers and --num-decode-workers")
            }
        }
        _ = try decision.plannerSettings(mode: engine.mode.plannerMode, correctionEnabled: !noCorrection)
    }

    func predictorKinds() throws -> [LoadPredictorKind] {
        let names = loadPredictor.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        var kinds: [LoadPredictorKind] = []
        for name in names {
            guard let kind = LoadPredictorKind(rawValue: name) else {
                throw ValidationError("--load-predictor: unknown predictor '\(name)' (expected \(LoadPredictorKind.allCases.map(\.rawValue).joined(separator: ", ")))")
            }
            if !kinds.contains(kind) { kinds.append(kind) }
        }
        guard !kinds.isEmpty else { throw ValidationError("--load-predictor needs at least one name") }
        try tuning.forecasting.checkSeason(kinds: kinds, intervalSeconds: decision.adjustmentInterval)
        if noPlanner, kinds.count > 1 {
            throw ValidationError("--load-predictor with several names compares planners; it cannot go with --no-planner")
        }
        return kinds
    }

    func run() async throws {
        let settings = try decision.plannerSettings(mode: engine.mode.plannerMode, correctionEnabled: !noCorrection)
        if let outputPlot { try DryrunChartOutput.preflight(outputPlot) }
        if let outputJson { try OutputPath.checkWritable(outputJson, what: "replay JSON") }
        if let report { try OutputPath.checkWritable(report, what: "HTML report") }
        let kinds: [LoadPredictorKind] = try noPlanner ? [] : predictorKinds()
        let deployments = try fleetDeployments()
        if !deployments.isEmpty { return try await runFleet(deployments, settings: settings) }

        // The profile drives the planner and, with --perf-model profile, the workers.
        var profileEngine: (PrefillInterpolator, DecodeInterpolator)?
        if !noPlanner || engine.perfModel == .profile {
            let profile = try ProfileLoader.load(directory: decision.profileFlags.profileResultsDir)
            profileEngine = (try PrefillInterpolator(profile: profile.prefill),
                             try DecodeInterpolator(profile: profile.decode, resolution: decision.profileFlags.resolution,
                                                    method: decision.profileFlags.decodeInterpolation))
        }
        let base = try configuration(settings: settings, profile: profileEngine)
        let coverage = engine.perfModel == .profile ? profileEngine.map { ReplayProfileCoverage(prefill: $0.0, decode: $0.1) } : nil
        if let warning = settings.budgetBelowMinimumWarning, !noPlanner { warn(warning) }

        let warmup = noPlanner ? nil : decision.warmupHistory(intervalSeconds: settings.intervalSeconds, warn: warn)
        var results: [ReplayResult] = []
        for kind in (kinds.isEmpty ? [nil] : kinds.map { Optional($0) }) {
            var config = base
            config.predictor = kind.map { tuning.configuration(kind: $0, intervalSeconds: settings.intervalSeconds) }
            var planner: PlannerDecisionEngine?
            if let predictor = config.predictor, let interpolators = profileEngine {
                // The oracle reads the trace once more, on the replay's own interval grid.
                let oracle = kind == .oracle
                    ? try ReplayOracle.intervals(try ReplayTraceReader(path: dataset), intervalSeconds: settings.intervalSeconds) : []
                planner = try PlannerDecisionEngine(settings: settings, prefillInterpolator: interpolators.0,
                                                    decodeInterpolator: interpolators.1,
                                                    predictor: predictor, oracle: oracle)
                if let warmup { planner?.warmUp(with: warmup.intervals) }
            }
            let suffix = kinds.count > 1 ? kind?.rawValue : nil
            let log = try perRequest.map { try RequestLogWriter(path: Self.suffixed($0, suffix)) }
            var onRequest: ((ReplayRequestRecord) throws -> Void)?
            if let log { onRequest = { try log.write($0) } }
            let driver = ReplayDriver(configuration: config, engine: planner, source: try ReplayTraceReader(path: dataset),
                                      coverage: coverage, warn: results.isEmpty ? warn : { _ in }, onRequest: onRequest)
            let result = try await driver.run()
            try log?.flush()
            results.append(result)
            print(ReplaySummaryText.screen(result, trace: dataset))
            if let outputPlot {
                let path = Self.suffixed(outputPlot, suffix)
                let title = "Planner replay — " + (kind.map { "predictor \($0.rawValue), " } ?? "no planner, ")
                    + "mode \(config.mode.rawValue), perf model \(config.perfModel.rawValue)"
                try DryrunChartOutput.write(svg: ReplayChart.svg(result, title: title), to: path)
                print("  chart: \(path)")
            }
            if let log { print("  per-request: \(log.path)") }
            if let report {
                let path = Self.suffixed(report, suffix)
                let html = HTMLReport.replay(result, trace: dataset,
                                             configuration: ReplayReport.configurationText(config, extra: settingsExtra(profiled: profileEngine != nil)))
                try OutputPath.write(Data(html.utf8), to: path, what: "HTML report")
                print("  report: \(path)")
            }
        }
        if results.count > 1 { print("\nComparison of predictors:\n" + ReplaySummaryText.comparison(results)) }
        if let outputJson {
            try ReplayReport.writeJSON(results, settings: settingsExtra(profiled: profileEngine != nil), to: outputJson)
            print("  json: \(outputJson)")
        }
    }

    /// The inputs the JSON's and the report's configuration name besides the replay's settings.
    func settingsExtra(profiled: Bool, dataset: String? = nil, profile: String? = nil) -> [(String, String)] {
        var extra = [("dataset", dataset ?? self.dataset)]
        if profiled { extra.append(("profile_results_dir", profile ?? decision.profileFlags.profileResultsDir)) }
        return extra
    }

    func configuration(settings: PlannerSettings, profile: (PrefillInterpolator, DecodeInterpolator)?) throws -> ReplayConfiguration {
        var sim = ReplaySimulatorSettings()
        sim.mode = engine.mode.simulatorMode
        sim.routing = engine.routing
        sim.startupTimeSeconds = engine.startupTime
        sim.seed = seed
        sim.setInflightCapacity(maxInflight)
        if let v = engine.kvBytesPerToken { sim.kvBytesPerToken = v }
        if let v = engine.kvTransferBandwidth { sim.kvBandwidthBytesPerSecond = v * 1e9 }
        var kvTokens: Int?
        if engine.perfModel == .profile, let interpolators = profile {
            sim.perf = .profileTables(prefill: interpolators.0, decode: interpolators.1)
            kvTokens = interpolators.1.profile.maxKVTokens
        } else {
            sim.perf = .mockerPolynomial
        }
        sim.prefillEngine = engine.engine(.prefill, profileKVTokens: kvTokens)
        sim.decodeEngine = engine.engine(.decode, profileKVTokens: kvTokens)
        let start = noPlanner ? 0 : 1
        // Worker slots per pool: what the budget allows the planner (128 without a budget).
        let fixed = max(engine.numWorkers ?? 0, engine.numPrefillWorkers ?? 0, engine.numDecodeWorkers ?? 0, 1)
        let smallestEngine = max(1, min(settings.prefillEngineGPUs, settings.decodeEngineGPUs))
        var budgetWorkers = settings.hasBudget ? settings.maxGPUBudget / smallestEngine : 128
        if fleet.maxTotalGPUs >= 0 { budgetWorkers = min(budgetWorkers, fleet.maxTotalGPUs / smallestEngine) }
        sim.maxWorkersPerPool = noPlanner ? fixed : min(ReplayEngineOptions.maxWorkers, max(fixed, budgetWorkers, 1))
        let blocks = max(sim.prefillEngine.numGpuBlocks, sim.decodeEngine.numGpuBlocks)
        let (total, overflow) = blocks.multipliedReportingOverflow(by: sim.maxWorkersPerPool)
        if overflow || total > ReplayEngineOptions.maxBlocksPerPool {
            throw ValidationError("--num-gpu-blocks \(blocks) × \(sim.maxWorkersPerPool) worker slots is more KV bookkeeping than "
                + "the simulator holds (\(ReplayEngineOptions.maxBlocksPerPool) blocks per pool); lower --num-gpu-blocks or --max-gpu-budget")
        }
        var config = ReplayConfiguration(
            planner: settings, predictor: nil, mode: engine.mode, perfModel: engine.perfModel,
            prefillWorkers: engine.mode == .agg ? 0 : (engine.numPrefillWorkers ?? start),
            decodeWorkers: engine.mode == .agg ? (engine.numWorkers ?? start) : (engine.numDecodeWorkers ?? start),
            maxSimTimeSeconds: maxSimTime, simulator: sim)
        config.loadBased = try noPlanner ? nil : loadBased.settings()
        do {
            var check = config
            if !noPlanner { check.predictor = LoadPredictorConfiguration() }
            try check.validate()
        } catch let e as PlannerSettingsError {
            throw ValidationError(e.description)
        }
        return config
    }

    /// `out.svg` → `out.kalman.svg` when several predictors each write a file.
    static func suffixed(_ path: String, _ suffix: String?) -> String {
        guard let suffix else { return path }
        let ext = (path as NSString).pathExtension
        guard !ext.isEmpty else { return path + "." + suffix }
        return (path as NSString).deletingPathExtension + "." + suffix + "." + ext
    }

    func warn(_ message: String) {
        FileHandle.standardError.write(Data("planner replay: warning: \(message)\n".utf8))
    }
}
