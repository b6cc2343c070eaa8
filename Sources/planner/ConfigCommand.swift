import ArgumentParser
import PlannerIO

struct ConfigCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "config",
        abstract: "Show the planner config file format.",
        discussion: """
        --print-defaults writes every config field with its default value and help, as YAML that \
        `run --config` and `dryrun --config` accept (fields of the other command are accepted and ignored). \
        Field names follow Dynamo 1.x's PlannerConfig; see docs/config.md.
        """
    )

    @Flag(help: "Write the full default config (YAML) to stdout.")
    var printDefaults = false

    func validate() throws {
        if !printDefaults { throw ValidationError("nothing to do: pass --print-defaults") }
    }

    func run() throws {
        print(try Self.defaultsYAML(), terminator: "")
    }

    static func defaultsYAML() throws -> String {
        let dryrun = try DryrunCommand.parse([]), run = try RunCommand.parse([])
        let dryrunNames = DryrunCommand.configFields.configFieldNames(), runNames = RunCommand.configFields.configFieldNames()
        var out = "# sla-planner config with every default (planner config --print-defaults).\n"
        out += "# Use with: planner run --config FILE, planner dryrun --config FILE; flags given on the command line win.\n\n"
        out += "# --- planner dryrun and planner run\n"
        out += DryrunCommand.configSchema.renderYAML(dryrun, including: { runNames.contains($0) })
        out += "\n# --- planner dryrun only\n"
        out += DryrunCommand.configSchema.renderYAML(dryrun, including: { !runNames.contains($0) })
        out += "\n# --- planner run only\n"
        out += RunCommand.configSchema.renderYAML(run, including: { !dryrunNames.contains($0) })
        return out
    }
}
