import ArgumentParser
import PlannerCore

extension PlannerOptions {
    /// The decision settings these flags describe; a `ValidationError` naming
    /// the flag when one is unusable.
    func plannerSettings(correctionEnabled: Bool = true) throws -> PlannerSettings {
        guard let plannerMode = PlannerMode(rawValue: mode) else {
            throw ValidationError("--mode must be one of disagg, prefill, decode (got \(mode))")
        }
        return try decision.plannerSettings(mode: plannerMode, correctionEnabled: correctionEnabled)
    }
}

extension DecisionOptions {
    func plannerSettings(mode plannerMode: PlannerMode, correctionEnabled: Bool) throws -> PlannerSettings {
        var s = PlannerSettings()
        s.intervalSeconds = adjustmentInterval
        s.ttftMilliseconds = ttft
        s.itlMilliseconds = itl
        s.maxGPUBudget = maxGPUBudget
        s.minEndpoint = minEndpoint
        s.minGPUBudget = minGPUBudget
        s.prefillMinEndpoint = prefillMinEndpoint
        s.decodeMinEndpoint = decodeMinEndpoint
        s.maxScalingStep = maxThroughputScalingReplicas
        s.prefillEngineGPUs = prefillEngineNumGPU ?? 1
        s.decodeEngineGPUs = decodeEngineNumGPU ?? 1
        s.mode = plannerMode
        s.correctionEnabled = correctionEnabled
        do { try s.validate() } catch let e as PlannerSettingsError { throw ValidationError(e.description) }
        return s
    }
}
