import ArgumentParser
import Foundation

@main
struct Planner: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "planner",
        abstract: "SLA-driven autoscaling planner for disaggregated LLM serving.",
        discussion: """
        Decides, every adjustment interval, how many prefill and decode workers \
        meet a TTFT and ITL target at the least GPU cost. `dryrun` replays a trace offline.
        """,
        subcommands: [
            DryrunCommand.self, PredictCommand.self, InterpolateCommand.self,
            RunCommand.self, ReplayCommand.self, VirtualClientCommand.self, ConfigCommand.self,
        ]
    )

    /// ArgumentParser's own entry point, except that a failure prints ONE line
    /// on stderr (docs/cli.md): its usage block and "Help:" line are dropped,
    /// and errors thrown from `run()` are not followed by the root usage.
    /// Help and other clean exits behave as before.
    static func main() async {
        do {
            var command = try parseAsRoot()
            if var asyncCommand = command as? AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            let code = exitCode(for: error)
            if code == .success { exit(withError: error) }
            let message = self.message(for: error)
                .split(whereSeparator: \.isNewline).joined(separator: " ")
            if !message.isEmpty {
                FileHandle.standardError.write(Data("planner: error: \(message)\n".utf8))
            }
            Foundation.exit(code.rawValue)
        }
    }
}
