import ArgumentParser

struct PredictCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "predict",
        abstract: "Backtest a load predictor on a trace, one step ahead. (not implemented yet: its issue fills it)"
    )

    func run() async throws {
        throw ValidationError("`planner predict` is not implemented yet")
    }
}
