import PlannerNumerics

extension ReplayPerfModel {
    /// Timing tables from the planner's interpolators (`--perf-model profile`):
    /// an iteration that prefills N tokens takes the profile's TTFT at ISL N, and a
    /// decode iteration takes the ITL surface at (active KV tokens, context length).
    /// The decode grid is the interpolator's own (KV usage × max KV tokens by
    /// context length), transposed to KV-major rows. Outside the tables the simulator
    /// extrapolates prefill linearly and clamps decode to the grid's edge.
    public static func profileTables(prefill: PrefillInterpolator, decode: DecodeInterpolator,
                                     prefillPoints: Int = 64) -> ReplayPerfModel {
        let range = prefill.islRange
        let n = max(2, prefillPoints)
        let tokens = (0..<n).map { range.lowerBound + (range.upperBound - range.lowerBound) * Double($0) / Double(n - 1) }
        let r = decode.resolution
        let kv = decode.xi.map { $0 * Double(decode.profile.maxKVTokens) }
        var ms = [Double](repeating: 0, count: r * r)
        for j in 0..<r {
            for i in 0..<r { ms[i * r + j] = decode.itlGrid[j * r + i] }
        }
        return .tables(prefillTokens: tokens, prefillMs: tokens.map(prefill.interpolateTTFT),
                       decodeKv: kv, decodeContext: decode.yi, decodeMs: ms)
    }
}

extension ReplayProfileCoverage {
    /// The largest ISL and longest context the profile measured.
    public init(prefill: PrefillInterpolator, decode: DecodeInterpolator) {
        self.init(maxPrefillTokens: prefill.islRange.upperBound, maxContextLength: decode.yi.last ?? 0)
    }
}
