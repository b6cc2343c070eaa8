import ArgumentParser
import Foundation
import PlannerCore
import PlannerIO
import PlannerNumerics

extension ReplayCommand {
    /// Several deployments on one GPU pool (docs/replay.md, "Several deployments"): each with
    /// its own simulator and decision engine, the fleet's budget dividing the GPUs every interval.
    func runFleet(_ specs: [ReplayDeploymentSpec], settings shared: PlannerSettings) async throws {
        guard let kind = try predictorKinds().first else { throw ValidationError("--load-predictor needs a name") }
        let warmup = decision.warmupHistory(intervalSeconds: shared.intervalSeconds, warn: warn)
        var deployments: [ReplayFleetDeployment] = []
        var logs: [RequestLogWriter] = []
        var extras: [[(String, String)]] = []
        for spec in specs {
            var settings = shared
            if let v = spec.ttftMilliseconds { settings.ttftMilliseconds = v }
            if let v = spec.itlMilliseconds { settings.itlMilliseconds = v }
            let directory = spec.profile ?? decision.profileFlags.profileResultsDir
            let profile: PerformanceProfile
            do {
                profile = try ProfileLoader.load(directory: directory)
            } catch {
                throw ValidationError("deployment \(spec.name): \(error)")
            }
            let prefill = try PrefillInterpolator(profile: profile.prefill)
            let decode = try DecodeInterpolator(profile: profile.decode, resolution: decision.profileFlags.resolution,
                                                method: decision.profileFlags.decodeInterpolation)
            var config: ReplayConfiguration
            do {
                config = try configuration(settings: settings, profile: (prefill, decode))
            } catch let e as ValidationError {
                throw ValidationError("deployment \(spec.name): \(e.message)")
            }
            config.predictor = tuning.configuration(kind: kind, intervalSeconds: settings.intervalSeconds)
            let oracle = kind == .oracle
                ? try ReplayOracle.intervals(try ReplayTraceReader(path: spec.trace), intervalSeconds: settings.intervalSeconds) : []
            let engine = try PlannerDecisionEngine(settings: settings, prefillInterpolator: prefill, decodeInterpolator: decode,
                                                   predictor: config.predictor ?? LoadPredictorConfiguration(), oracle: oracle)
            if let warmup { engine.warmUp(with: warmup.intervals) }
            var onRequest: ((ReplayRequestRecord) throws -> Void)?
            if let perRequest {
                let log = try RequestLogWriter(path: Self.suffixed(perRequest, spec.name))
                logs.append(log)
                onRequest = { try log.write($0) }
            }
            let coverage = profileCoverage(prefill, decode)
            deployments.append(ReplayFleetDeployment(name: spec.name, configuration: config, engine: engine,
                                                     source: try ReplayTraceReader(path: spec.trace), weight: spec.weight,
                                                     coverage: coverage, onRequest: onRequest))
            extras.append(settingsExtra(profiled: true, dataset: spec.trace, profile: directory) + [("weight", NumberText.json(spec.weight))])
        }
        let fleetRun = ReplayFleet(deployments: deployments, maxTotalGPUs: fleet.maxTotalGPUs, minTotalGPUs: fleet.minTotalGPUs,
                                   warn: warn)
        let result: ReplayFleetResult
        do {
            result = try await fleetRun.run()
        } catch let e as ReplayError where e.description.contains("--max-total-gpus") {
            throw ValidationError(e.description)
        }
        try logs.forEach { try $0.flush() }
        for (spec, r) in zip(specs, result.results) {
            print("[\(spec.name)] " + ReplaySummaryText.screen(r, trace: spec.trace))
        }
        print("\nFleet of \(specs.count) deployments on one GPU pool"
            + (fleet.maxTotalGPUs >= 0 ? ", --max-total-gpus \(fleet.maxTotalGPUs)" : ", no fleet budget")
            + (fleet.minTotalGPUs >= 0 ? ", --min-total-gpus \(fleet.minTotalGPUs)" : "") + ":")
        print(ReplaySummaryText.fleet(result))
        if let outputPlot {
            for (spec, r) in zip(specs, result.results) {
                let path = Self.suffixed(outputPlot, spec.name)
                try DryrunChartOutput.write(svg: ReplayChart.svg(r, title: "Planner replay — deployment \(spec.name), predictor \(kind.rawValue)"),
                                            to: path)
                print("  chart: \(path)")
            }
        }
        for log in logs { print("  per-request: \(log.path)") }
        if let report {
            let configs = zip(result.results, extras).map { ReplayReport.configurationText($0.configuration, extra: $1) }
            let html = HTMLReport.fleetReplay(result, configurations: configs)
            try OutputPath.write(Data(html.utf8), to: report, what: "HTML report")
            print("  report: \(report)")
        }
        if let outputJson {
            try ReplayReport.writeFleetJSON(result, settings: extras, to: outputJson)
            print("  json: \(outputJson)")
        }
    }

    /// The profiled region, when the workers' timing comes from the profile.
    private func profileCoverage(_ prefill: PrefillInterpolator, _ decode: DecodeInterpolator) -> ReplayProfileCoverage? {
        engine.perfModel == .profile ? ReplayProfileCoverage(prefill: prefill, decode: decode) : nil
    }
}
