import ArgumentParser

struct DryrunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dryrun",
        abstract: "Replay a trace offline through the planner and chart its decisions. (not implemented yet: its issue fills it)"
    )

    func run() async throws {
        throw ValidationError("`planner dryrun` is not implemented yet")
    }
}
