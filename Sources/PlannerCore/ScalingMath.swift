import Foundation

/// The replica, correction-factor and budget formulas of docs/behaviour.md §5 as pure
/// functions of plain numbers, so they are testable without a profile. The
/// decision engine feeds them interpolator look-ups; the loops around it only
/// gather inputs and apply outputs.
public enum ScalingMath {
    /// `ceil(x)` as an Int that never traps: non-finite or negative demand counts
    /// as 0, and absurdly large demand saturates instead of overflowing.
    static func ceilingCount(_ x: Double) -> Int {
        guard x.isFinite, x > 0 else { return x == .infinity ? saturatedCount : 0 }
        let c = x.rounded(.up)
        return c >= Double(saturatedCount) ? saturatedCount : Int(c)
    }

    static func floorCount(_ x: Double) -> Int {
        guard x.isFinite, x > 0 else { return x == .infinity ? saturatedCount : 0 }
        let f = x.rounded(.down)
        return f >= Double(saturatedCount) ? saturatedCount : Int(f)
    }

    /// Replica counts saturate here (far above any real pool) so sums of
    /// replicas times GPUs cannot overflow.
    static let saturatedCount = 1 << 40

    // MARK: correction factors

    /// p_cf = observed TTFT / profiled TTFT at the observed ISL; nil when either
    /// side is unusable (non-finite, or a non-positive expectation).
    public static func prefillCorrectionFactor(observedTTFTMilliseconds: Double, expectedTTFTMilliseconds: Double) -> Double? {
        ratio(observedTTFTMilliseconds, expectedTTFTMilliseconds)
    }

    /// Average number of requests a decode worker served concurrently in the
    /// interval: num_req / workers · request_duration / interval (Little's law).
    /// Nil when there are no decode workers (the factor is then skipped).
    public static func decodeConcurrency(requestCount: Double, decodeWorkers: Int,
                                         requestDurationSeconds: Double, intervalSeconds: Int) -> Double? {
        guard decodeWorkers > 0, intervalSeconds > 0 else { return nil }
        let c = requestCount / Double(decodeWorkers) * requestDurationSeconds / Double(intervalSeconds)
        return c.isFinite ? max(0, c) : nil
    }

    /// d_cf = observed ITL / profiled ITL at the observed concurrency and context.
    public static func decodeCorrectionFactor(observedITLMilliseconds: Double, expectedITLMilliseconds: Double) -> Double? {
        ratio(observedITLMilliseconds, expectedITLMilliseconds)
    }

    private static func ratio(_ observed: Double, _ expected: Double) -> Double? {
        guard observed.isFinite, expected.isFinite, expected > 0 else { return nil }
        let r = observed / expected
        return r.isFinite ? r : nil
    }

    /// Context length the decode profile is read at: the prompt plus half the
    /// output, i.e. the mean context over a request's decode steps.
    public static func decodeContextLength(isl: Double, osl: Double) -> Double { isl + osl / 2 }

    /// The ITL the decode pool must reach on the profile so the observed ITL
    /// meets the SLA: itl_sla / d_cf (the SLA itself when d_cf ≤ 0 or unusable).
    public static func correctedITL(slaMilliseconds: Double, correctionFactor: Double) -> Double {
        guard correctionFactor.isFinite, correctionFactor > 0 else { return slaMilliseconds }
        return slaMilliseconds / correctionFactor
    }

    // MARK: replicas

    /// max(min_endpoint, ceil(num_req · isl / interval · min(1, p_cf) / thptPerGPU / gpus)).
    /// A correction factor above 1 is not applied: queueing shows as slow TTFT,
    /// and adding prefill workers beyond the token demand would not cure it.
    /// A non-positive throughput per GPU (broken profile) yields `minEndpoint`.
    public static func prefillReplicas(requestCount: Double, isl: Double, intervalSeconds: Int,
                                       correctionFactor: Double = 1, throughputPerGPU: Double,
                                       engineGPUs: Int, minEndpoint: Int) -> Int {
        guard throughputPerGPU > 0, throughputPerGPU.isFinite, intervalSeconds > 0, engineGPUs > 0 else { return minEndpoint }
        let cf = correctionFactor.isFinite ? min(1, correctionFactor) : 1
        let tokensPerSecond = requestCount * isl / Double(intervalSeconds) * cf
        return max(minEndpoint, ceilingCount(tokensPerSecond / throughputPerGPU / Double(engineGPUs)))
    }

    /// max(min_endpoint, ceil(num_req · osl / interval / perGPU / gpus)); `minEndpoint`
    /// when the best throughput per GPU at the (corrected) ITL target is ≤ 0.
    public static func decodeReplicas(requestCount: Double, osl: Double, intervalSeconds: Int,
                                      throughputPerGPU: Double, engineGPUs: Int, minEndpoint: Int) -> Int {
        guard throughputPerGPU > 0, throughputPerGPU.isFinite, intervalSeconds > 0, engineGPUs > 0 else { return minEndpoint }
        let tokensPerSecond = requestCount * osl / Double(intervalSeconds)
        return max(minEndpoint, ceilingCount(tokensPerSecond / throughputPerGPU / Double(engineGPUs)))
    }

    /// Dynamo 1.6's `max_throughput_scaling_replicas`: `desired` moved to within `limit`
    /// replicas of `current` (never below 0); nil means no limit (Dynamo 1.0.2). The
    /// component's floor and the GPU budget are applied after it and win over it.
    public static func cappedStep(desired: Int, current: Int, limit: Int?) -> Int {
        guard let limit else { return desired }
        let low = current > limit ? current - limit : 0
        let high = current > Int.max - limit ? Int.max : current + limit
        return min(max(desired, low), high)
    }

    // MARK: budgets

    /// Budget for a single planned component (modes prefill/decode) with no GPU floor.
    public static func componentBudget(replicas: Int, engineGPUs: Int, maxGPUBudget: Int, minEndpoint: Int) -> Int {
        componentBudget(replicas: replicas, engineGPUs: engineGPUs, maxGPUBudget: maxGPUBudget, minGPUBudget: -1,
                        minEndpoint: minEndpoint)
    }

    /// Budget for a single planned component (modes prefill/decode). Over the
    /// ceiling: 0 when even `minEndpoint` replicas do not fit, else
    /// max(min_endpoint, floor(replicas · budget / (replicas · gpus))). Under the
    /// floor: the fewest replicas reaching it, unless that passes the ceiling (then
    /// the most that fit). A negative budget means no limit on that side.
    public static func componentBudget(replicas: Int, engineGPUs: Int, maxGPUBudget: Int, minGPUBudget: Int,
                                       minEndpoint: Int) -> Int {
        guard engineGPUs > 0 else { return replicas }
        // Saturating: the settings are checked (PlannerLimits), but these are public functions.
        let total = replicas.saturatingMultiplied(by: engineGPUs)
        if maxGPUBudget >= 0, total > maxGPUBudget {
            if maxGPUBudget < minEndpoint.saturatingMultiplied(by: engineGPUs) { return 0 }
            return max(minEndpoint, floorCount(Double(replicas) * Double(maxGPUBudget) / Double(total)))
        }
        if minGPUBudget >= 0, total < minGPUBudget {
            var r = ceilingDivision(minGPUBudget, engineGPUs)
            if maxGPUBudget >= 0, r.saturatingMultiplied(by: engineGPUs) > maxGPUBudget { r = floorDivision(maxGPUBudget, engineGPUs) }
            return max(replicas, r)
        }
        return replicas
    }

    /// Joint budget of both pools (mode disagg) with one minimum for both and no floor.
    public static func globalBudget(prefill: Int, decode: Int, prefillEngineGPUs gp: Int, decodeEngineGPUs gd: Int,
                                    maxGPUBudget budget: Int, minEndpoint: Int) -> (prefill: Int, decode: Int) {
        globalBudget(prefill: prefill, decode: decode, prefillEngineGPUs: gp, decodeEngineGPUs: gd,
                     maxGPUBudget: budget, minGPUBudget: -1, prefillMinEndpoint: minEndpoint, decodeMinEndpoint: minEndpoint)
    }

    /// Joint budget of both pools (mode disagg), Dynamo 1.x's band [min, max]:
    /// - over the ceiling, prefill is scaled by max/total but capped so the decode
    ///   minimum still fits, and decode takes every GPU prefill leaves (floor);
    ///   (0, 0) when the ceiling cannot hold both minimums;
    /// - under the floor, both pools grow by floor/total (rounded up; from nothing,
    ///   the floor is split in halves), decode never below what was asked, and the
    ///   result goes through the ceiling rule when it overshoots.
    /// With min == max the total is pinned — exactly when the engine sizes allow it,
    /// else within one decode engine's GPUs below — and only the split follows the
    /// load. (Dynamo instead accepts any total within one engine's GPUs of the floor
    /// without growing; here the floor is met whenever it can be.)
    public static func globalBudget(prefill: Int, decode: Int, prefillEngineGPUs gp: Int, decodeEngineGPUs gd: Int,
                                    maxGPUBudget budget: Int, minGPUBudget floor: Int,
                                    prefillMinEndpoint pMin: Int, decodeMinEndpoint dMin: Int) -> (prefill: Int, decode: Int) {
        guard gp > 0, gd > 0 else { return (prefill, decode) }
        let total = prefill.saturatingMultiplied(by: gp).saturatingAdding(decode.saturatingMultiplied(by: gd))
        if budget >= 0, total > budget {
            return shrinkToCeiling(prefill: prefill, total: total, gp: gp, gd: gd, budget: budget, pMin: pMin, dMin: dMin)
        }
        guard floor >= 0, total < floor else { return (prefill, decode) }
        var p: Int, d: Int
        if total <= 0 {
            p = max(pMin, ceilingDivision(floor, 2 * gp))
        } else {
            p = max(pMin, ceilingCount(Double(prefill) * Double(floor) / Double(total)))
        }
        d = max(dMin, decode, ceilingDivision(max(0, floor - p.saturatingMultiplied(by: gp)), gd))
        let grown = p.saturatingMultiplied(by: gp).saturatingAdding(d.saturatingMultiplied(by: gd))
        if budget >= 0, grown > budget {
            return shrinkToCeiling(prefill: p, total: grown, gp: gp, gd: gd, budget: budget, pMin: pMin, dMin: dMin)
        }
        return (p, d)
    }

    private static func shrinkToCeiling(prefill: Int, total: Int, gp: Int, gd: Int, budget: Int,
                                        pMin: Int, dMin: Int) -> (prefill: Int, decode: Int) {
        if budget < pMin.saturatingMultiplied(by: gp).saturatingAdding(dMin.saturatingMultiplied(by: gd)) { return (0, 0) }
        // budget ≥ pMin · gp + dMin · gd here, so neither difference can go below 0.
        let scale = Double(budget) / Double(total)
        let maxPrefill = floorDivision(budget - dMin * gd, gp)
        let p = max(pMin, min(maxPrefill, floorCount(Double(prefill) * scale)))
        let d = max(dMin, floorDivision(budget - p * gp, gd))
        return (p, d)
    }

    /// ceil(a / b) for a ≥ 0 and b > 0.
    static func ceilingDivision(_ a: Int, _ b: Int) -> Int {
        a <= 0 ? 0 : (a - 1) / b + 1
    }

    /// Python's floor division for a positive divisor (Swift's `/` truncates toward 0).
    static func floorDivision(_ a: Int, _ b: Int) -> Int {
        let q = a / b
        return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q
    }

    /// GPU-hours one interval costs: (num_p · gp + num_d · gd) · interval / 3600.
    public static func gpuHours(prefill: Int, decode: Int, prefillEngineGPUs: Int, decodeEngineGPUs: Int,
                                intervalSeconds: Int) -> Double {
        // In Doubles: worker counts come from etcd or a deployment, and their product with
        // GPUs per engine must not overflow whatever they hold.
        (Double(prefill) * Double(prefillEngineGPUs) + Double(decode) * Double(decodeEngineGPUs))
            * Double(intervalSeconds) / 3600
    }

    // MARK: safe capacity (dryrun)

    /// Prefill tokens per second `replicas` workers serve within the TTFT SLA at
    /// `isl`: 0 when the profile's TTFT at that ISL already misses the SLA.
    /// As the reference, the per-GPU throughput is not multiplied by GPUs per engine.
    public static func safePrefillThroughput(replicas: Int, expectedTTFTMilliseconds: Double,
                                             ttftSLAMilliseconds: Double, throughputPerGPU: Double) -> Double {
        expectedTTFTMilliseconds > ttftSLAMilliseconds ? 0 : Double(replicas) * throughputPerGPU
    }

    /// Decode tokens per second `replicas` workers serve within the ITL SLA:
    /// 0 when the best ITL the profile offers at that context misses the SLA.
    public static func safeDecodeThroughput(replicas: Int, best: BestDecodeThroughput, itlSLAMilliseconds: Double) -> Double {
        best.itlMilliseconds > itlSLAMilliseconds ? 0 : Double(replicas) * best.throughputPerGPU
    }
}
