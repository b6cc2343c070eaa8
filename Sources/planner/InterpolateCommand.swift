import ArgumentParser

struct InterpolateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "interpolate",
        abstract: "Report what a profile predicts for an ISL/OSL and SLA. (not implemented yet: its issue fills it)"
    )

    func run() async throws {
        throw ValidationError("`planner interpolate` is not implemented yet")
    }
}
