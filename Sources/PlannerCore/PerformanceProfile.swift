/// Pre-deployment prefill measurements (docs/behaviour.md §2.2), one entry per profiled ISL.
public struct PrefillProfile: Equatable, Sendable {
    public var isl: [Double]
    public var ttftMilliseconds: [Double]
    public var throughputPerGPU: [Double]

    public init(isl: [Double], ttftMilliseconds: [Double], throughputPerGPU: [Double]) {
        self.isl = isl
        self.ttftMilliseconds = ttftMilliseconds
        self.throughputPerGPU = throughputPerGPU
    }
}

/// Pre-deployment decode measurements (docs/behaviour.md §2.2): scattered samples over
/// (KV-cache usage fraction, context length).
public struct DecodeProfile: Equatable, Sendable {
    public var kvUsage: [Double]
    public var contextLength: [Double]
    public var itlMilliseconds: [Double]
    public var throughputPerGPU: [Double]
    public var maxKVTokens: Int

    public init(kvUsage: [Double], contextLength: [Double], itlMilliseconds: [Double],
                throughputPerGPU: [Double], maxKVTokens: Int) {
        self.kvUsage = kvUsage
        self.contextLength = contextLength
        self.itlMilliseconds = itlMilliseconds
        self.throughputPerGPU = throughputPerGPU
        self.maxKVTokens = maxKVTokens
    }
}

/// Both phases of a profile directory.
public struct PerformanceProfile: Equatable, Sendable {
    public var prefill: PrefillProfile
    public var decode: DecodeProfile

    public init(prefill: PrefillProfile, decode: DecodeProfile) {
        self.prefill = prefill
        self.decode = decode
    }
}
