import Foundation
import PropertyBased
import Testing
@testable import PlannerCore

/// The values issue 11 names for every number that comes from outside, as Doubles and as the
/// Ints among them (plus Int.min), and random values over the whole range of each type.
enum ExtremeValues {
    static let doubles: [Double] = [0, -1, 1, 0x1p31, Double((1 << 53) + 1), 0x1p62, Double(Int.max),
                                    1e19, 1e308, .infinity, -.infinity, .nan, 1e-320]
    static let ints: [Int] = [0, -1, 1, 1 << 31, (1 << 53) + 1, 1 << 62, .max, .min]
    /// Any Double bit pattern: subnormals, NaNs with payloads and both infinities included.
    static let anyDouble = Gen.uint64().map { Double(bitPattern: $0) }
}

/// The checked conversions, saturating arithmetic and the number formatter never trap.
@Suite struct CheckedNumberTests {
    @Test func sleepsAndClockAmountsClampInsteadOfTrapping() async {
        for v in ExtremeValues.doubles { checkDurations(v) }
        await propertyCheck(count: 500, input: ExtremeValues.anyDouble) { checkDurations($0) }
    }

    private func checkDurations(_ v: Double) {
        let ns = CheckedNumber.nanoseconds(seconds: v)
        if !(v > 0) { #expect(ns == 0, "\(v)") }
        if v >= 1e10 { #expect(ns == .max, "\(v)") }
        if v > 0 && v < 1e9 { #expect(Double(ns) == (v * 1e9).rounded(), "\(v)") }
        #expect(ns >= 0)
    }

    @Test func clampedIntStaysInRange() async {
        let range = -5...1_000_000
        for v in ExtremeValues.doubles {
            let c = CheckedNumber.clampedInt(v, to: range)
            #expect(v.isNaN ? c == nil : c.map(range.contains) == true, "\(v)")
        }
        await propertyCheck(count: 500, input: ExtremeValues.anyDouble) { v in
            let c = CheckedNumber.clampedInt(v, to: 1...Int.max)
            #expect(v.isNaN ? c == nil : (c ?? 0) >= 1)
        }
    }

    @Test func exactIntOnlyForExactIntegers() {
        #expect(CheckedNumber.exactInt(3.0) == 3)
        #expect(CheckedNumber.exactInt(NSNumber(value: 7)) == 7)
        #expect(CheckedNumber.exactInt(" 12 ") == 12)
        for v in [1e19, 0x1p63, .infinity, -.infinity, .nan, 2.5, 1e-320] {
            #expect(CheckedNumber.exactInt(v) == nil, "\(v)")
            #expect(CheckedNumber.exactInt(NSNumber(value: v)) == nil, "NSNumber \(v)")
        }
        #expect(CheckedNumber.exactInt(NSNumber(value: UInt64.max)) == nil)
        #expect(CheckedNumber.exactInt("9223372036854775808") == nil)
    }

    @Test func saturatingArithmetic() async {
        #expect(Int.max.saturatingAdding(1) == .max)
        #expect(Int.min.saturatingAdding(-1) == .min)
        #expect((1 << 62).saturatingMultiplied(by: 4) == .max)
        #expect((1 << 62).saturatingMultiplied(by: -4) == .min)
        #expect(Int.min.saturatingMultiplied(by: -1) == .max)
        await propertyCheck(count: 500, input: Gen.int(), Gen.int()) { a, b in
            let (sum, o1) = a.addingReportingOverflow(b), (product, o2) = a.multipliedReportingOverflow(by: b)
            if !o1 { #expect(a.saturatingAdding(b) == sum) }
            if !o2 { #expect(a.saturatingMultiplied(by: b) == product) }
        }
    }

    @Test func numberTextHandlesEveryDouble() async {
        for v in ExtremeValues.doubles { checkText(v) }
        #expect(NumberText.json(1e19) == "1e+19")
        #expect(NumberText.plain(162) == "162")
        #expect(NumberText.plain(-.infinity) == "-inf")
        #expect(NumberText.rounded(12.345, decimals: 1) == "12.3")
        #expect(NumberText.rounded(.nan, decimals: 1, nonFinite: "0") == "0")
        #expect(NumberText.fixed(2.5, digits: 2) == "2.50")
        #expect(NumberText.fixed(1e308, digits: 2) == "1e+308")
        await propertyCheck(count: 1000, input: ExtremeValues.anyDouble) { checkText($0) }
    }

    private func checkText(_ v: Double) {
        let json = NumberText.json(v)
        if v.isFinite {
            #expect(Double(json) == v, "\(v) → \(json)")
            #expect(Double(NumberText.fixed(v, digits: 2)) != nil)
            #expect(Double(NumberText.rounded(v, decimals: 1))?.isFinite == true)
        } else {
            #expect(json == "null")
        }
        #expect(NumberText.fixed(v, digits: 2).count < 40, "\(v)")
    }
}

/// Every setting, set to each extreme value, is refused naming its flag or accepted; accepted
/// settings give decisions (and warnings) without trapping.
@Suite struct SettingsLimitsTests {
    private static let intSettings: [(String, WritableKeyPath<PlannerSettings, Int>)] = [
        ("--adjustment-interval", \.intervalSeconds), ("--max-gpu-budget", \.maxGPUBudget),
        ("--min-endpoint", \.minEndpoint), ("--prefill-engine-num-gpu", \.prefillEngineGPUs),
        ("--decode-engine-num-gpu", \.decodeEngineGPUs),
    ]
    private static let doubleSettings: [(String, WritableKeyPath<PlannerSettings, Double>)] = [
        ("--ttft", \.ttftMilliseconds), ("--itl", \.itlMilliseconds),
    ]

    @Test(arguments: PlannerMode.allCases)
    func extremeSettingsAreRefusedOrUsable(mode: PlannerMode) throws {
        for (flag, path) in Self.intSettings {
            for v in ExtremeValues.ints { try checkSetting(flag, mode: mode) { $0[keyPath: path] = v } }
        }
        for (flag, path) in Self.doubleSettings {
            for v in ExtremeValues.doubles { try checkSetting(flag, mode: mode) { $0[keyPath: path] = v } }
        }
    }

    private func checkSetting(_ flag: String, mode: PlannerMode, _ change: (inout PlannerSettings) -> Void) throws {
        var s = settings60(budget: 16, mode: mode)
        change(&s)
        do {
            try s.validate()
        } catch let e as PlannerSettingsError {
            #expect(e.setting == flag, "\(e)")
            return
        }
        _ = s.budgetBelowMinimumWarning
        let engine = try makeEngine(s)
        for load in [PredictedLoad(requestCount: 1e308, isl: 1e308, osl: 1e308), PredictedLoad(requestCount: 100, isl: 3000, osl: 200)] {
            let d = engine.decide(load)
            #expect(d.prefill >= 0 && d.decode >= 0)
            var meter = GPUHoursMeter(settings: s)
            #expect(meter.charge(prefill: d.prefill, decode: d.decode, intervalSeconds: s.intervalSeconds).isFinite)
        }
    }

    @Test func limitsParseTextAndNameTheSetting() throws {
        #expect(try PlannerLimits.replicas.parse(" 12 ", name: "x") == 12)
        #expect(throws: NumberOutOfRange(name: "etcd k", found: "`1e19`", expected: PlannerLimits.replicas.expected)) {
            try PlannerLimits.replicas.parse("1e19", name: "etcd k")
        }
        #expect(throws: NumberOutOfRange.self) { try PlannerLimits.waitSeconds.parse("inf", name: "t") }
        #expect(throws: NumberOutOfRange.self) { try PlannerLimits.waitSeconds.parse("nan", name: "t") }
        let e = NumberOutOfRange(name: "--ttft", found: NumberText.plain(1e19), expected: PlannerLimits.latencyMilliseconds.expected)
        #expect(e.description == "--ttft must be a number of ms above 0 and at most 86400000, got 1e+19")
    }
}

/// Scaling maths on the most extreme integers (public functions: callers may skip validation).
@Suite struct ScalingMathExtremeTests {
    @Test func budgetsAndGPUHoursNeverTrap() async {
        let values = ExtremeValues.ints
        for a in values {
            for b in values {
                _ = ScalingMath.componentBudget(replicas: a, engineGPUs: b, maxGPUBudget: a, minEndpoint: b)
                _ = ScalingMath.gpuHours(prefill: a, decode: b, prefillEngineGPUs: b, decodeEngineGPUs: a, intervalSeconds: a)
            }
        }
        await propertyCheck(count: 300, input: Gen.int(in: 0...Int.max), Gen.int(in: 0...Int.max), Gen.int(in: 1...65_536)) { p, d, g in
            let r = ScalingMath.globalBudget(prefill: p, decode: d, prefillEngineGPUs: g, decodeEngineGPUs: g,
                                             maxGPUBudget: 1_000_000, minEndpoint: 1)
            #expect(r.prefill >= 0 && r.decode >= 0)
            #expect(ScalingMath.gpuHours(prefill: p, decode: d, prefillEngineGPUs: g, decodeEngineGPUs: g,
                                         intervalSeconds: 60).isFinite)
        }
    }
}

/// Observations as Prometheus or a trace could deliver them, fed to every predictor kind.
@Suite struct ExtremeObservationTests {
    @Test(arguments: LoadPredictorKind.allCases)
    func predictorsAndDecisionsSurviveExtremeObservations(kind: LoadPredictorKind) throws {
        for v in ExtremeValues.doubles {
            var s = settings60(budget: -1)
            s.correctionEnabled = true
            let engine = try makeEngine(s, kind: kind)
            for k in 0..<12 { engine.observe(requestCount: 100 + Double(k), isl: 3000, osl: 200) }
            for field in 0..<3 {
                engine.observe(requestCount: field == 0 ? v : 100, isl: field == 1 ? v : 3000, osl: field == 2 ? v : 200)
            }
            let load = engine.predictLoad()
            let decision = engine.decide(load)
            #expect(decision.prefill >= 0 && decision.decode >= 0, "\(kind) \(v)")
            let observed = ObservedMetrics(ttftMilliseconds: v, itlMilliseconds: v, requestCount: v, isl: v, osl: v,
                                           requestDurationSeconds: v)
            let cf = engine.correctionFactors(observed: observed, decodeWorkers: Int.max)
            _ = engine.decide(load, corrections: cf)
            _ = engine.safePrefillThroughput(replicas: Int.max, isl: v)
            _ = engine.safeDecodeThroughput(replicas: Int.max, isl: v, osl: v)
        }
    }
}
