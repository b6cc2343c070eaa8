import ArgumentParser

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
            RunCommand.self, VirtualClientCommand.self,
        ]
    )
}
