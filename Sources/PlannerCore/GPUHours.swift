/// Running total of GPU-hours spent: each interval adds
/// (num_p · gp + num_d · gd) · interval / 3600 (docs/behaviour.md §5 `planner:gpu_hours`).
public struct GPUHoursMeter: Equatable, Sendable {
    public private(set) var total: Double = 0
    public let prefillEngineGPUs: Int
    public let decodeEngineGPUs: Int

    public init(prefillEngineGPUs: Int, decodeEngineGPUs: Int) {
        self.prefillEngineGPUs = prefillEngineGPUs
        self.decodeEngineGPUs = decodeEngineGPUs
    }

    public init(settings: PlannerSettings) {
        self.init(prefillEngineGPUs: settings.prefillEngineGPUs, decodeEngineGPUs: settings.decodeEngineGPUs)
    }

    /// Charges one interval run with `prefill` and `decode` workers; returns the new total.
    @discardableResult
    public mutating func charge(prefill: Int, decode: Int, intervalSeconds: Int) -> Double {
        total += ScalingMath.gpuHours(prefill: prefill, decode: decode, prefillEngineGPUs: prefillEngineGPUs,
                                      decodeEngineGPUs: decodeEngineGPUs, intervalSeconds: intervalSeconds)
        return total
    }
}
