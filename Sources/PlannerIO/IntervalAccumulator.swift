#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import PlannerCore

/// Per-interval sums, held in an array indexed by interval number: memory grows
/// with the trace's time span, never with its number of requests.
struct IntervalAccumulator {
    /// Refuse spans longer than this many intervals (at 60 s, about 9.5 years):
    /// absolute epoch timestamps in a Mooncake file would otherwise ask for
    /// tens of millions of empty intervals.
    static let defaultMaximumIntervals = 5_000_000

    struct Slot {
        var count = 0
        var inputSum = 0
        var outputSum = 0
    }

    let intervalSeconds: Int
    let intervalMilliseconds: Double
    let maximumIntervals: Int
    private var base = 0
    private var slots: [Slot] = []
    private var first = Int.max
    private var last = Int.min

    init(intervalSeconds: Int, maximumIntervals: Int = defaultMaximumIntervals) {
        self.intervalSeconds = intervalSeconds
        self.maximumIntervals = maximumIntervals
        intervalMilliseconds = Double(intervalSeconds) * 1000
    }

    /// Python's float `//` (CPython's float_floor_div), so interval membership of
    /// every timestamp is exactly the reference's `int(ts // interval_ms)`.
    @inline(__always)
    static func pythonFloorDivision(_ x: Double, _ y: Double) -> Double {
        var mod = fmod(x, y)
        var div = (x - mod) / y
        if mod != 0 {
            if (y < 0) != (mod < 0) { mod += y; div -= 1 }
        }
        if div != 0 {
            var floorDiv = div.rounded(.down)
            if div - floorDiv > 0.5 { floorDiv += 1 }
            return floorDiv
        }
        return copysign(0.0, x / y)
    }

    mutating func add(_ request: TraceRequest) throws {
        let q = Self.pythonFloorDivision(request.timestampMilliseconds, intervalMilliseconds)
        guard abs(q) < 1e15 else {
            throw LineError(message: "timestamp \(request.timestampMilliseconds) ms is out of range")
        }
        let k = Int(q)
        var slot = k - base
        if slot < 0 || slot >= slots.count { slot = try grow(toInclude: k) }
        let old = slots[slot]
        let (i, o1) = old.inputSum.addingReportingOverflow(request.inputLength)
        let (o, o2) = old.outputSum.addingReportingOverflow(request.outputLength)
        guard !(o1 || o2) else { throw LineError(message: "token sums of one interval overflow 64 bits") }
        slots[slot] = Slot(count: old.count + 1, inputSum: i, outputSum: o)
        if k < first { first = k }
        if k > last { last = k }
    }

    /// Extends the arrays (with slack, so a slowly growing range costs amortised
    /// O(1)) and returns the slot of interval `k`.
    private mutating func grow(toInclude k: Int) throws -> Int {
        guard !slots.isEmpty else {
            guard k.multipliedReportingOverflow(by: intervalSeconds).overflow == false else {
                throw LineError(message: "interval start of timestamp overflows")
            }
            base = k
            slots = [Slot()]
            return 0
        }
        let low = min(first, k), high = max(last, k)
        guard high - low < maximumIntervals else {
            throw LineError(message: "timestamps span more than \(maximumIntervals) intervals of \(intervalSeconds) s "
                + "(this request is in interval \(k), the trace so far spans \(first)...\(last)); "
                + "Mooncake timestamps must be milliseconds from the trace start")
        }
        guard k.multipliedReportingOverflow(by: intervalSeconds).overflow == false else {
            throw LineError(message: "interval start of timestamp overflows")
        }
        let slack = min(slots.count, maximumIntervals)
        if k < base {
            let newBase = max(k - slack, high - maximumIntervals)
            slots.insert(contentsOf: repeatElement(Slot(), count: base - newBase), at: 0)
            base = newBase
        } else {
            let newEnd = min(k + slack, low + maximumIntervals)
            slots.append(contentsOf: repeatElement(Slot(), count: newEnd - (base + slots.count) + 1))
        }
        return k - base
    }

    /// Every interval from the first to the last non-empty one; empty ones are zeros.
    func metrics() -> [IntervalMetrics] {
        guard first <= last else { return [] }
        return (first...last).map { k in
            let slot = slots[k - base]
            let c = slot.count
            return IntervalMetrics(
                intervalStartSeconds: k * intervalSeconds,
                requestCount: c,
                averageISL: c > 0 ? Double(slot.inputSum) / Double(c) : 0,
                averageOSL: c > 0 ? Double(slot.outputSum) / Double(c) : 0)
        }
    }
}
