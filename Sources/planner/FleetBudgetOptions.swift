import ArgumentParser
import PlannerCore

/// The GPU budget of a fleet — `planner run`'s (`FleetOptions`) and the fleet replay's
/// (`ReplayFleetOptions`): the bounds `FleetBudget.allocate` divides every interval.
struct FleetBudgetOptions: ParsableArguments {
    @Option(name: .customLong("max-total-gpus"), parsing: .unconditional,
            help: "Fleet: most GPUs all deployments together may use each interval (-1: no limit).")
    var maxTotalGPUs: Int = -1

    @Option(name: .customLong("min-total-gpus"), parsing: .unconditional,
            help: "Fleet: fewest GPUs the fleet keeps; deployments are topped up past their requests (-1: none).")
    var minTotalGPUs: Int = -1

    /// Either bound given (not -1).
    var isSet: Bool { maxTotalGPUs >= 0 || minTotalGPUs >= 0 }

    func validate() throws {
        let most = PlannerSettings.largestCount
        if !(-1...most).contains(maxTotalGPUs) {
            throw ValidationError("--max-total-gpus must be -1 (no limit) or 0…\(most) (got \(maxTotalGPUs))")
        }
        if !(-1...most).contains(minTotalGPUs) {
            throw ValidationError("--min-total-gpus must be -1 (none) or 0…\(most) (got \(minTotalGPUs))")
        }
        if maxTotalGPUs >= 0, minTotalGPUs > maxTotalGPUs {
            throw ValidationError("--min-total-gpus (\(minTotalGPUs)) is above --max-total-gpus (\(maxTotalGPUs))")
        }
    }
}
