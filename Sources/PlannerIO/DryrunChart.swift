import PlannerCore

/// The dryrun's four-panel chart (docs/behaviour.md §6) as SVG: request rate, ISL/OSL,
/// prefill and decode throughput against the safe capacity of the chosen
/// workers. Points sit at interval midpoints; replica counts and capacities
/// are steps held over their interval. Warm-up history is shaded at negative times.
public enum DryrunChart {
    static let width = 1200.0
    static let panelHeight = 210.0
    static let left = 86.0
    static let right = 86.0
    static let header = 70.0
    static let gap = 82.0

    static let actual = "#1f77b4"
    static let predicted = "#ff7f0e"
    static let secondActual = "#2ca02c"
    static let secondPredicted = "#9467bd"
    static let capacity = "#2ca02c"
    static let replicas = "#d62728"
    static let overload = "#d62728"

    public static func svg(_ result: DryrunResult) -> String {
        let s = result.series, settings = result.settings
        let interval = Double(settings.intervalSeconds)
        let warm = result.warmup.flatMap { $0.isEmpty ? nil : $0 }
        let xLower = Double(warm?.times.first ?? 0)
        let xUpper = Double(s.time.last ?? 0) + interval
        let unit = TimeUnit.forSpan(xUpper - xLower)
        let x = ChartScale.span(lower: xLower, upper: xUpper, targetTicks: 12)
        let xTicks = ChartScale(lower: x.lower, upper: x.upper,
                                ticks: ChartScale.span(lower: xLower / unit.seconds, upper: xUpper / unit.seconds, targetTicks: 12)
                                    .ticks.map { $0 * unit.seconds })
        let xLabel = "time since the first replayed interval (\(unit.name))"
        let height = header + 4 * (panelHeight + gap) - 20
        var svg = SVGDocument(width: width, height: height)

        let budget = settings.hasBudget ? "\(settings.maxGPUBudget) GPUs" : "none"
        svg.text("Planner dryrun — predictor \(result.predictor.rawValue), mode \(settings.mode.rawValue), interval \(settings.intervalSeconds) s",
                 x: left, y: 28, size: 18, bold: true)
        svg.text("SLA: TTFT \(NumberText.plain(settings.ttftMilliseconds)) ms, ITL \(NumberText.plain(settings.itlMilliseconds)) ms · "
                 + "GPU budget \(budget) · \(NumberText.fixed(result.gpuHours, digits: 2)) GPU-hours used "
                 + "(fixed at the peak: \(NumberText.fixed(result.peakAllocationGPUHours, digits: 2)))",
                 x: left, y: 50, size: 13, color: "#444")

        let mids = s.time.map { Double($0) + interval / 2 }
        let warmMids = warm.map { w in w.times.map { Double($0) + interval / 2 } } ?? []
        func panel(_ i: Int, y: ChartScale, y2: ChartScale? = nil) -> ChartPanel {
            ChartPanel(left: left, top: header + 26 + Double(i) * (panelHeight + gap), width: width - left - right,
                       height: panelHeight, x: xTicks, y: y, y2: y2)
        }
        func shadeWarmup(_ p: ChartPanel) {
            guard warm != nil else { return }
            svg.rect(x: p.px(xLower), y: p.top, width: p.px(0) - p.px(xLower), height: p.height, fill: "#999", opacity: 0.12)
            svg.text("warm-up", x: p.px(xLower) + 6, y: p.top + 15, size: 11, color: "#666")
        }
        let solid = { (c: String) in SVGDocument.Stroke(color: c, width: 1.6) }
        let dashed = { (c: String) in SVGDocument.Stroke(color: c, width: 1.6, dash: "6 4") }

        // 1. Request rate.
        let rate = s.rr.map { $0 / interval }, estRate = s.estRR.map { $0 / interval }
        let warmRate = warm?.requestCounts.map { $0 / interval } ?? []
        let p1 = panel(0, y: .nice(maximum: maxOf(rate, estRate, warmRate)))
        p1.drawFrame(&svg, title: "Request rate: actual vs predicted", xLabel: xLabel, timeUnit: unit,
                     yLabel: "requests/s", y2Label: nil)
        shadeWarmup(p1)
        svg.polyline(zip(warmMids, warmRate).map { (p1.px($0), p1.py($1)) }, stroke: solid(actual))
        svg.polyline(zip(mids, rate).map { (p1.px($0), p1.py($1)) }, stroke: solid(actual))
        svg.polyline(zip(mids, estRate).map { (p1.px($0), p1.py($1)) }, stroke: dashed(predicted))
        p1.drawLegend(&svg, entries: [("actual", solid(actual)), ("predicted", dashed(predicted))])

        // 2. ISL (left axis) and OSL (right axis).
        let p2 = panel(1, y: .nice(maximum: maxOf(s.isl, s.estISL, warm?.isl ?? [])),
                       y2: .nice(maximum: maxOf(s.osl, s.estOSL, warm?.osl ?? [])))
        p2.drawFrame(&svg, title: "Sequence lengths: actual vs predicted", xLabel: xLabel, timeUnit: unit,
                     yLabel: "ISL (tokens)", y2Label: "OSL (tokens)", y2Color: secondActual)
        shadeWarmup(p2)
        svg.polyline(zip(warmMids, warm?.isl ?? []).map { (p2.px($0), p2.py($1)) }, stroke: solid(actual))
        svg.polyline(zip(warmMids, warm?.osl ?? []).map { (p2.px($0), p2.py2($1)) }, stroke: solid(secondActual))
        svg.polyline(zip(mids, s.isl).map { (p2.px($0), p2.py($1)) }, stroke: solid(actual))
        svg.polyline(zip(mids, s.estISL).map { (p2.px($0), p2.py($1)) }, stroke: dashed(predicted))
        svg.polyline(zip(mids, s.osl).map { (p2.px($0), p2.py2($1)) }, stroke: solid(secondActual))
        svg.polyline(zip(mids, s.estOSL).map { (p2.px($0), p2.py2($1)) }, stroke: dashed(secondPredicted))
        p2.drawLegend(&svg, entries: [("ISL", solid(actual)), ("ISL predicted", dashed(predicted)),
                                      ("OSL (right)", solid(secondActual)), ("OSL predicted", dashed(secondPredicted))])

        // 3 and 4. Throughput against safe capacity, workers on the right axis.
        let components: [(String, [Double], [Double], [Int], Bool)] = [
            ("Prefill", s.pThpt, s.safePThpt, s.numP, settings.mode.plansPrefill),
            ("Decode", s.dThpt, s.safeDThpt, s.numD, settings.mode.plansDecode),
        ]
        for (i, (name, demandPerInterval, safePerInterval, workers, planned)) in components.enumerated() {
            let demand = demandPerInterval.map { $0 / interval }, safe = safePerInterval.map { $0 / interval }
            let p = panel(2 + i, y: .nice(maximum: maxOf(demand, safe)), y2: .counts(maximum: workers.max() ?? 1))
            p.drawFrame(&svg, title: "\(name) throughput vs safe capacity of the chosen workers", xLabel: xLabel, timeUnit: unit,
                        yLabel: "tokens/s", y2Label: "\(name.lowercased()) workers", y2Color: replicas)
            guard planned else {
                svg.text("\(name.lowercased()) is not planned in mode \(settings.mode.rawValue)",
                         x: p.left + p.width / 2, y: p.top + p.height / 2, size: 14, anchor: .middle, color: "#888")
                continue
            }
            shadeWarmup(p)
            for k in 0..<demand.count where demand[k] > safe[k] {
                let t = Double(s.time[k])
                svg.rect(x: p.px(t), y: p.top, width: p.px(t + interval) - p.px(t), height: p.height, fill: overload, opacity: 0.1)
            }
            svg.polyline(steps(s.time, safe, interval).map { (p.px($0), p.py($1)) }, stroke: solid(capacity))
            svg.polyline(zip(mids, demand).map { (p.px($0), p.py($1)) }, stroke: solid(actual))
            svg.polyline(steps(s.time, workers.map(Double.init), interval).map { (p.px($0), p.py2($1)) },
                         stroke: SVGDocument.Stroke(color: replicas, width: 1.4, dash: "3 2"))
            p.drawLegend(&svg, entries: [("demand", solid(actual)), ("safe capacity", solid(capacity)),
                                         ("workers (right)", SVGDocument.Stroke(color: replicas, width: 1.4, dash: "3 2")),
                                         ("demand above capacity", SVGDocument.Stroke(color: overload, width: 8, opacity: 0.25))])
        }
        return svg.rendered
    }

    /// Step-after path: value v[k] held over [t[k], t[k] + interval).
    static func steps(_ times: [Int], _ values: [Double], _ interval: Double) -> [(Double, Double)] {
        var out: [(Double, Double)] = []
        out.reserveCapacity(2 * values.count)
        for (t, v) in zip(times, values) {
            out.append((Double(t), v))
            out.append((Double(t) + interval, v))
        }
        return out
    }

    static func maxOf(_ arrays: [Double]...) -> Double {
        arrays.lazy.flatMap { $0 }.filter(\.isFinite).max() ?? 1
    }
}
