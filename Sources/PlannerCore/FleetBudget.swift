import Foundation

/// What one deployment asks of the shared GPU pool for the next interval.
public struct FleetDemand: Equatable, Sendable {
    public var prefill: Int
    public var decode: Int
    public var prefillEngineGPUs: Int
    public var decodeEngineGPUs: Int
    /// Replicas of each pool that are always granted, budget or not
    /// (`min_endpoint`, or 0 for a pool the deployment's mode does not plan).
    public var minPrefill: Int
    public var minDecode: Int
    /// Relative importance (≥ 0); 0 means only `minEndpoint` when GPUs are contended.
    public var weight: Double
    /// How far the deployment misses its SLA (≥ 0, e.g. observed/target − 1 of the
    /// worse of TTFT and ITL); unmet demand of a missing deployment is worth more.
    public var shortfall: Double

    public init(prefill: Int, decode: Int, prefillEngineGPUs: Int, decodeEngineGPUs: Int, minEndpoint: Int,
                weight: Double = 1, shortfall: Double = 0) {
        self.prefill = prefill
        self.decode = decode
        self.prefillEngineGPUs = prefillEngineGPUs
        self.decodeEngineGPUs = decodeEngineGPUs
        self.minPrefill = minEndpoint
        self.minDecode = minEndpoint
        self.weight = weight
        self.shortfall = shortfall
    }
}

public struct FleetGrant: Equatable, Sendable {
    public var prefill: Int
    public var decode: Int
    public init(prefill: Int, decode: Int) {
        self.prefill = prefill
        self.decode = decode
    }
}

/// The fleet-wide GPU budget (`--max-total-gpus`, `--min-total-gpus`) as one pure
/// function of every deployment's request; docs/fleet.md has worked examples.
///
/// Rule, over budget: every pool first gets `minEndpoint` replicas (the floor is
/// never cut, even when the floors alone pass the budget: `overBudget` then says so). The remaining GPUs are handed out one
/// engine at a time to the engine worth most per GPU, where the k-th engine of a
/// pool requesting r is worth `weight · (1 + shortfall) · (r − k + 1) / r / gpus`:
/// the unmet fraction of that pool's demand it serves, weighted, per GPU. The
/// value falls as a pool fills, so GPUs spread until the weighted unmet fraction
/// per GPU is level across pools (water-filling), and no pool gets more than it
/// asked. Under `minTotalGPUs`, pools are topped up past their requests in the
/// same order of worth (weight · (1 + shortfall) / gpus), one engine a round.
public enum FleetBudget {
    public struct Result: Equatable, Sendable {
        public var grants: [FleetGrant]
        /// The floors (`minEndpoint` of every pool) alone exceed `maxTotalGPUs`.
        public var overBudget: Bool
        public var totalGPUs: Int
    }

    /// A negative `maxTotalGPUs` or `minTotalGPUs` means no bound. Never traps:
    /// negative counts are read as 0, non-finite or negative weights and
    /// shortfalls as 0, GPUs per engine clamped to 1...65536.
    public static func allocate(_ demands: [FleetDemand], maxTotalGPUs: Int, minTotalGPUs: Int = -1) -> Result {
        let pools = demands.flatMap { d -> [Pool] in
            let worth = clean(d.weight) * (1 + clean(d.shortfall))
            func floor(_ m: Int) -> Int { min(max(0, m), ScalingMath.saturatedCount) }
            // Engine sizes are clamped so sums over thousands of pools cannot overflow.
            func engineGPUs(_ g: Int) -> Int { min(max(1, g), 1 << 16) }
            let fp = floor(d.minPrefill), fd = floor(d.minDecode)
            return [Pool(request: min(max(fp, d.prefill), ScalingMath.saturatedCount), floor: fp, gpus: engineGPUs(d.prefillEngineGPUs), worth: worth),
                    Pool(request: min(max(fd, d.decode), ScalingMath.saturatedCount), floor: fd, gpus: engineGPUs(d.decodeEngineGPUs), worth: worth)]
        }
        var granted = pools.map(\.request)
        let requested = gpuTotal(pools, granted)
        var overBudget = false
        if maxTotalGPUs >= 0, requested > maxTotalGPUs {
            granted = pools.map(\.floor)
            let floors = gpuTotal(pools, granted)
            if floors > maxTotalGPUs {
                overBudget = true
            } else {
                waterFill(pools, &granted, spare: maxTotalGPUs - floors)
            }
        } else if minTotalGPUs >= 0, requested < minTotalGPUs {
            topUp(pools, &granted, to: minTotalGPUs, ceiling: maxTotalGPUs)
        }
        let grants = stride(from: 0, to: granted.count, by: 2).map { FleetGrant(prefill: granted[$0], decode: granted[$0 + 1]) }
        return Result(grants: grants, overBudget: overBudget, totalGPUs: gpuTotal(pools, granted))
    }

    struct Pool {
        var request: Int
        var floor: Int
        var gpus: Int
        var worth: Double

        /// Worth per GPU of the engine that would raise the pool from `have` to `have + 1`.
        func value(have: Int) -> Double {
            guard have < request, request > 0 else { return 0 }
            return worth * Double(request - have) / Double(request) / Double(gpus)
        }

        /// Engines above the floor whose worth per GPU is at least `level` (> 0).
        func engines(atLeast level: Double) -> Int {
            guard worth > 0, request > floor else { return 0 }
            // value(have) ≥ level ⇔ have ≤ request − level · gpus · request / worth.
            let lastHave = Double(request) - level * Double(gpus) * Double(request) / worth
            guard lastHave >= Double(floor) else { return 0 }
            return min(request, ScalingMath.floorCount(lastHave) + 1) - floor
        }
    }

    private static func clean(_ x: Double) -> Double { x.isFinite && x > 0 ? x : 0 }

    /// Saturating Σ granted · gpus (replica counts are bounded by ScalingMath's saturation).
    static func gpuTotal(_ pools: [Pool], _ granted: [Int]) -> Int {
        var total = 0
        for (pool, g) in zip(pools, granted) {
            let (product, o1) = g.multipliedReportingOverflow(by: pool.gpus)
            let (sum, o2) = total.addingReportingOverflow(product)
            if o1 || o2 { return Int.max }
            total = sum
        }
        return total
    }

    /// Engines above the floor in order of worth per GPU until `spare` is used:
    /// the level is found by bisection (cost independent of the budget's size),
    /// then the engines just below the level fill what is left, best first.
    private static func waterFill(_ pools: [Pool], _ granted: inout [Int], spare: Int) {
        func cost(_ level: Double) -> Int {
            var total = 0
            for p in pools {
                let (c, o1) = p.engines(atLeast: level).multipliedReportingOverflow(by: p.gpus)
                let (s, o2) = total.addingReportingOverflow(c)
                if o1 || o2 { return Int.max }
                total = s
            }
            return total
        }
        guard let top = pools.map({ $0.worth / Double($0.gpus) }).max(), top > 0 else { return }
        var fits = top * 2 // nothing has this worth
        var tooMuch = 0.0  // every engine with positive worth
        guard cost(Double.leastNonzeroMagnitude) > spare else {
            for (i, p) in pools.enumerated() { granted[i] = p.floor + p.engines(atLeast: .leastNonzeroMagnitude) }
            return
        }
        for _ in 0..<200 where fits - tooMuch > fits * 1e-15 {
            let mid = (fits + tooMuch) / 2
            if cost(mid) <= spare { fits = mid } else { tooMuch = mid }
        }
        var left = spare
        for (i, p) in pools.enumerated() {
            granted[i] = p.floor + p.engines(atLeast: fits)
            left -= (granted[i] - p.floor) * p.gpus
        }
        // Engines between the two levels: best first, ties to the earlier deployment.
        let order = pools.indices.sorted { a, b in
            let va = pools[a].value(have: granted[a]), vb = pools[b].value(have: granted[b])
            return va != vb ? va > vb : a < b
        }
        var changed = true
        while changed {
            changed = false
            for i in order where pools[i].value(have: granted[i]) > 0 && pools[i].gpus <= left {
                granted[i] += 1
                left -= pools[i].gpus
                changed = true
            }
        }
    }

    /// Rounds of one engine per pool, best worth per GPU first, until `target` is
    /// reached; an engine that would pass `ceiling` (≥ 0) is not added.
    private static func topUp(_ pools: [Pool], _ granted: inout [Int], to target: Int, ceiling: Int) {
        let order = pools.indices.filter { pools[$0].worth > 0 }.sorted { a, b in
            let va = pools[a].worth / Double(pools[a].gpus), vb = pools[b].worth / Double(pools[b].gpus)
            return va != vb ? va > vb : a < b
        }
        guard !order.isEmpty else { return }
        var total = gpuTotal(pools, granted)
        let limit = ceiling >= 0 ? ceiling : Int.max
        guard total < target, total < limit else { return }
        // Whole rounds at once, so the cost does not grow with the target.
        let roundGPUs = order.reduce(0) { $0 + pools[$1].gpus }
        let rounds = min(target - total, limit - total) / roundGPUs
        if rounds > 0 {
            for i in order { granted[i] += rounds }
            total += rounds * roundGPUs
        }
        var added = true
        while total < target && added {
            added = false
            for i in order where total < target && total <= limit - pools[i].gpus {
                granted[i] += 1
                total += pools[i].gpus
                added = true
            }
        }
    }
}
