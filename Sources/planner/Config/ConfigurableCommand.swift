import ArgumentParser
import Foundation
import PlannerIO

/// `--config FILE|JSON`, shared by every command that reads a planner config.
struct ConfigOptions: ParsableArguments {
    @Option(help: ArgumentHelp(
        "Planner config: a YAML or JSON file, or inline JSON. Fields are named as in Dynamo's PlannerConfig; flags given on the command line win (docs/config.md).",
        valueName: "file-or-json"))
    var config: String?
}

/// A command whose flags can also come from a config file. To make a command
/// configurable: include `@OptionGroup var configOptions: ConfigOptions`, list its
/// fields in `configFields` (option groups' tables lifted with `lifted(\.group)`),
/// add it to `PlannerConfigRegistry.commands`, and call `withConfig()` first thing in `run()`.
protocol ConfigurableCommand: ParsableCommand {
    static var configFields: [ConfigField<Self>] { get }
    var configOptions: ConfigOptions { get }
    /// The command's checks, run again once the file has filled in values.
    func validateAfterConfig() throws
}

extension ConfigurableCommand {
    /// The command's fields, the other commands' names, and Dynamo's unimplemented fields.
    static var configSchema: ConfigSchema<Self> {
        let name = configuration.commandName ?? ""
        return ConfigSchema(fields: configFields, otherCommandFields: PlannerConfigRegistry.fieldNames(except: name),
                            notImplemented: DynamoConfigFields.notImplemented)
    }

    /// This command with the config file's values for every field whose flag was not
    /// given on the command line; `warn` receives the one-line warnings.
    func withConfig(arguments: [String] = Array(CommandLine.arguments.dropFirst()),
                    warn: (String) -> Void) throws -> Self {
        guard let argument = configOptions.config else { return self }
        let document = try ConfigDocument.load(argument: argument)
        var merged = self
        let outcome = try Self.configSchema.apply(document, to: &merged, flagsGiven: CommandLineFlags.given(in: arguments))
        outcome.warnings.forEach(warn)
        do {
            try merged.validateAfterConfig()
        } catch {
            throw ValidationError("\(document.source): after merging the config with the flags: \(Planner.message(for: error))")
        }
        return merged
    }
}

/// The long flags typed on a command line (`--ttft 5` and `--ttft=5` both give `--ttft`);
/// a bare `--` ends the flags.
enum CommandLineFlags {
    static func given(in arguments: [String]) -> Set<String> {
        var flags = Set<String>()
        for argument in arguments {
            if argument == "--" { break }
            guard argument.hasPrefix("--") else { continue }
            let flag = String(argument.split(separator: "=", maxSplits: 1)[0])
            flags.insert(flag)
            // An inverted flag (`--no-hold-scale-down`) was given too: it also wins over the file.
            if flag.hasPrefix("--no-") { flags.insert("--" + flag.dropFirst(5)) }
        }
        return flags
    }
}
