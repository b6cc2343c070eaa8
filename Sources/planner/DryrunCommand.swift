import ArgumentParser
import Foundation
import PlannerCore
import PlannerIO

struct DryrunCommand: AsyncParsableCommand {
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

    @OptionGroup var planner: PlannerOptions

    @Option(help: "Prefill workers running in the first interval.")
    var startNumP: Int = 1

    @Option(help: "Decode workers running in the first interval.")
    var startNumD: Int = 1

    @Option(help: "Write the four-panel chart here (.svg, or .png via rsvg-convert).")
    var outputPlot: String?

    @Option(help: "Write the series as JSON here.")
    var outputJson: String?

    func validate() throws {
        if startNumP < 0 { throw ValidationError("--start-num-p must be 0 or more (got \(startNumP))") }
        if startNumD < 0 { throw ValidationError("--start-num-d must be 0 or more (got \(startNumD))") }
    }

    // Failures print their one line on stderr in Planner.main().
    func run() async throws {
        try replay(try planner.plannerSettings(correctionEnabled: false))
    }

    private func replay(_ settings: PlannerSettings) throws {
        // Everything that can fail without the replay fails before it.
        if let outputPlot { try DryrunChartOutput.preflight(outputPlot) }
        if let outputJson { try OutputPath.checkWritable(outputJson, what: "dryrun JSON") }

        let profile = try ProfileLoader.load(directory: planner.profileFlags.profileResultsDir)
        let intervals = try TraceReader.extractIntervals(from: dataset, intervalSeconds: settings.intervalSeconds)
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
    }

    private func warn(_ message: String) {
        FileHandle.standardError.write(Data("planner dryrun: warning: \(message)\n".utf8))
    }
}
