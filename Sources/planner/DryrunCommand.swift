import ArgumentParser
import Foundation
import PlannerCore
import PlannerIO

struct DryrunCommand: AsyncParsableCommand, ConfigurableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dryrun",
        abstract: "Replay a trace offline through the planner and chart its decisions.",
        discussion: """
        Each interval the load predictors forecast the next one, the profile turns the forecast into \
        prefill and decode workers under the GPU budget, and the interval's real load is compared with \
        what those workers serve within the SLA. Prints a summary; --output-plot draws the four-panel \
        chart (.svg, or .png through rsvg-convert), --output-json writes the series.
        """
    )

    @Option(help: "Trace: a file, directory or glob of Mooncake JSONL (.jsonl, .jsonl.gz), Dynamo trace v1, or Azure CSV.")
    var dataset: String = "data/traces/mooncake_conversation.jsonl"

    @OptionGroup var configOptions: ConfigOptions

    @OptionGroup var planner: PlannerOptions

    @Option(help: "Prefill workers running in the first interval.")
    var startNumP: Int = 1

    @Option(help: "Decode workers running in the first interval.")
    var startNumD: Int = 1

    @Option(help: "Write the four-panel chart here (.svg, or .png via rsvg-convert).")
    var outputPlot: String?

    @Option(help: "Write the series as JSON here.")
    var outputJson: String?

    @Option(help: "Write a self-contained HTML report (charts, summary, the config used) here.")
    var report: String?

    @Flag(help: "Drop intervals without requests and close the gaps, as Dynamo 1.0.2's dryrun does (its time axis compresses; default: empty intervals are kept as zeros).")
    var skipEmptyIntervals = false

    func validate() throws {
        try NumericFlag.check("--start-num-p", startNumP, PlannerLimits.replicas)
        try NumericFlag.check("--start-num-d", startNumD, PlannerLimits.replicas)
    }

    func validateAfterConfig() throws {
        try validate()
        try planner.validate()
        try planner.profileFlags.validate()
        try planner.predictor.tuning.validate()
    }

    // Failures print their one line on stderr in Planner.main().
    func run() async throws {
        let command = try withConfig(warn: warn)
        try command.replay(try command.planner.plannerSettings(correctionEnabled: false))
    }

    private func replay(_ settings: PlannerSettings) throws {
        // Everything that can fail without the replay fails before it.
        if let outputPlot { try DryrunChartOutput.preflight(outputPlot) }
        if let outputJson { try OutputPath.checkWritable(outputJson, what: "dryrun JSON") }
        if let report { try OutputPath.checkWritable(report, what: "HTML report") }

        let profile = try ProfileLoader.load(directory: planner.profileFlags.profileResultsDir)
        var intervals = try TraceReader.extractIntervals(from: dataset, intervalSeconds: settings.intervalSeconds)
        if skipEmptyIntervals {
            intervals = IntervalMetrics.droppingEmpty(intervals, intervalSeconds: settings.intervalSeconds)
        }
        let engine = try planner.decisionEngine(settings: settings, profile: profile,
                                                oracle: planner.predictor.loadPredictor == .oracle ? intervals : [])

        let warmup = planner.warmupHistory(intervalSeconds: settings.intervalSeconds, warn: warn)
        if let warning = settings.budgetBelowMinimumWarning { warn(warning) }

        let result = try DryrunLoop.run(intervals: intervals, engine: engine, predictor: planner.predictor.loadPredictor,
                                        startPrefill: startNumP, startDecode: startNumD, warmup: warmup, source: dataset)
        print(DryrunReport.summary(result, trace: dataset))
        if let outputPlot {
            try DryrunChartOutput.write(result, to: outputPlot)
            print("  chart: \(outputPlot)")
        }
        if let outputJson {
            try DryrunReport.writeJSON(result, to: outputJson)
            print("  series: \(outputJson)")
        }
        if let report {
            let html = HTMLReport.dryrun(result, trace: dataset, configuration: Self.configSchema.renderYAML(self))
            try OutputPath.write(Data(html.utf8), to: report, what: "HTML report")
            print("  report: \(report)")
        }
    }

    private func warn(_ message: String) {
        FileHandle.standardError.write(Data("planner dryrun: warning: \(message)\n".utf8))
    }
}
