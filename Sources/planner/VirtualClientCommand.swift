import ArgumentParser

struct VirtualClientCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "virtual-client",
        abstract: "The environment side of the virtual (etcd) connector. (not implemented yet: its issue fills it)"
    )

    func run() async throws {
        throw ValidationError("`planner virtual-client` is not implemented yet")
    }
}
