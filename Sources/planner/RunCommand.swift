import ArgumentParser

struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run the live planner against Prometheus and a connector. (not implemented yet: its issue fills it)"
    )

    func run() async throws {
        throw ValidationError("`planner run` is not implemented yet")
    }
}
