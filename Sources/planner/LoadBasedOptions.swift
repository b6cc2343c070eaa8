import ArgumentParser
import PlannerCore

/// The load-based mode's flags (docs/planning.md), used by `replay`.
struct LoadBasedOptions: ParsableArguments {
    @Flag(help: "Load-based mode: scale each pool on its engines' load every --load-based-tick seconds, the throughput planner's answer as the floor.")
    var loadBased = false

    @Option(help: "Load-based: seconds between looks at the engines' load.")
    var loadBasedTick: Double = 10

    @Option(help: "Load-based: scale prefill up above this many queued prompt tokens per worker.")
    var prefillQueueHigh: Double = LoadBasedScaling.Thresholds.prefillQueueTokens.high

    @Option(help: "Load-based: prefill may shrink below this many queued prompt tokens per worker.")
    var prefillQueueLow: Double = LoadBasedScaling.Thresholds.prefillQueueTokens.low

    @Option(help: "Load-based: scale decode up above this KV-cache utilisation (0-1).")
    var decodeKvHigh: Double = LoadBasedScaling.Thresholds.decodeKVUtilisation.high

    @Option(help: "Load-based: decode may shrink below this KV-cache utilisation (0-1).")
    var decodeKvLow: Double = LoadBasedScaling.Thresholds.decodeKVUtilisation.low

    @Option(help: "Load-based: seconds a pool keeps its size before it may shrink.")
    var scaleDownDwell: Double = 120

    /// The settings, nil when the mode is off; a `ValidationError` naming the flag when unusable.
    func settings() throws -> LoadBasedSettings? {
        var s = LoadBasedSettings()
        s.prefill = LoadBasedScaling.Thresholds(high: prefillQueueHigh, low: prefillQueueLow)
        s.decode = LoadBasedScaling.Thresholds(high: decodeKvHigh, low: decodeKvLow)
        s.minDwellSeconds = scaleDownDwell
        s.tickSeconds = loadBasedTick
        do { try s.validate() } catch let e as PlannerSettingsError { throw ValidationError(e.description) }
        return loadBased ? s : nil
    }

    func validate() throws { _ = try settings() }
}
