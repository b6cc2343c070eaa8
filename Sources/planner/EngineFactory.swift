import ArgumentParser
import PlannerCore
import PlannerIO

/// What `run` and `dryrun` both build from the shared planner flags, so the two
/// sub-commands cannot drift apart in how they set up a decision.
extension PlannerOptions {
    /// The decision engine over `profile`: interpolators at --resolution with
    /// --decode-interpolation, predictors from the --load-predictor flags.
    /// A profile the interpolators cannot use (a numerical failure on extreme values) is
    /// an error naming the profile directory. `oracle` is the trace an oracle predictor reads (dryrun and replay).
    func decisionEngine(settings: PlannerSettings, profile: PerformanceProfile,
                        oracle: [IntervalMetrics] = []) throws -> PlannerDecisionEngine {
        try decision.decisionEngine(settings: settings, profile: profile,
                                    predictor: predictor.configuration(intervalSeconds: settings.intervalSeconds),
                                    oracle: oracle)
    }

    func warmupHistory(intervalSeconds: Int, warn: (String) -> Void) -> WarmupHistory? {
        decision.warmupHistory(intervalSeconds: intervalSeconds, warn: warn)
    }
}

extension DecisionOptions {
    func decisionEngine(settings: PlannerSettings, profile: PerformanceProfile,
                        predictor: LoadPredictorConfiguration, oracle: [IntervalMetrics] = []) throws -> PlannerDecisionEngine {
        do {
            return try PlannerDecisionEngine(
                settings: settings, profile: profile, predictor: predictor,
                decodeResolution: profileFlags.resolution, decodeMethod: profileFlags.decodeInterpolation,
                oracle: oracle)
        } catch let e as PlannerSettingsError {
            throw ValidationError(e.description)
        } catch {
            throw ValidationError("profile \(profileFlags.profileResultsDir): \(error)")
        }
    }

    /// The history in --load-predictor-warmup-trace, if given and usable; a trace that
    /// cannot be used is a warning (passed to `warn`), never an error.
    func warmupHistory(intervalSeconds: Int, warn: (String) -> Void) -> WarmupHistory? {
        guard let path = loadPredictorWarmupTrace else { return nil }
        let outcome = WarmupTrace.load(path: path, intervalSeconds: intervalSeconds)
        if let warning = outcome.warning { warn(warning) }
        return outcome.history
    }
}
