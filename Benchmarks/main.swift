import Foundation

// planner-bench: throughput of the planner's parts, side by side with the Python
// reference (tools/ref_planner.py or --reference) when --python is given.
// Usage: planner-bench [SUITE ...] [--python PATH] [--reference PATH] [--dynamo-python PATH] [--quick] [--deployments N (fleet)]
let context = BenchContext(arguments: Array(CommandLine.arguments.dropFirst()))
let suites: [(String, (BenchContext) throws -> Void)] = [
    ("readers", ReadersSuite.run),
    ("interpolation", InterpolationSuite.run),
    ("predictors", PredictorsSuite.run),
    ("prophet", ProphetSuite.run),
    ("dryrun", DryrunSuite.run),
    ("live", LiveSuite.run),
    ("replay", ReplaySuite.run),
    ("fleet", FleetSuite.run),
]
// `fleet` starts prometheus and etcd; it runs only when named.
let chosen = context.suites.isEmpty ? suites.map(\.0).filter { $0 != "fleet" } : context.suites
for (name, run) in suites where chosen.contains(name) {
    print("== \(name) ==")
    do { try run(context) } catch { print("suite \(name) failed: \(error)") }
}
