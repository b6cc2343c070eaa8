import PlannerCore

/// The replay's four-panel chart, drawn with the dryrun chart's axes and panels:
/// workers per pool (requested dashed, live solid) with the queue depth on the
/// right axis; TTFT and ITL p50/p90 of the requests arriving in each interval
/// against the SLA lines; SLA attainment and KV utilisation.
public enum ReplayChart {
    public static func svg(_ r: ReplayResult, title: String) -> String {
        let s = r.intervals, c = r.configuration
        let interval = Double(c.planner.intervalSeconds)
        let xUpper = (s.time.last ?? 0) + interval
        let unit = TimeUnit.forSpan(xUpper)
        let x = ChartScale.span(lower: 0, upper: xUpper, targetTicks: 12)
        let xTicks = ChartScale(lower: x.lower, upper: x.upper,
                                ticks: ChartScale.span(lower: 0, upper: xUpper / unit.seconds, targetTicks: 12)
                                    .ticks.map { $0 * unit.seconds })
        let xLabel = "simulated time (\(unit.name))"
        let w = DryrunChart.width, ph = DryrunChart.panelHeight, gap = DryrunChart.gap, left = DryrunChart.left
        var svg = SVGDocument(width: w, height: DryrunChart.header + 4 * (ph + gap) - 20)
        svg.text(title, x: left, y: 28, size: 18, bold: true)
        let sum = r.summary
        let attained = r.summaryFields.first { $0.0 == "sla_attainment" }?.1 ?? nil
        svg.text("SLA: TTFT \(DryrunReport.formatMS(c.planner.ttftMilliseconds)) ms, ITL \(DryrunReport.formatMS(c.planner.itlMilliseconds)) ms · "
                 + "\(sum.completed) of \(r.requests) requests completed · attainment "
                 + (attained.map { String(format: "%.1f %%", $0 * 100) } ?? "n/a")
                 + String(format: " · %.2f GPU-hours", r.gpuHours) + (r.stop != nil ? " · PARTIAL" : ""),
                 x: left, y: 50, size: 13, color: "#444")
        func panel(_ i: Int, y: ChartScale, y2: ChartScale? = nil) -> ChartPanel {
            ChartPanel(left: left, top: DryrunChart.header + 26 + Double(i) * (ph + gap), width: w - left - DryrunChart.right,
                       height: ph, x: xTicks, y: y, y2: y2)
        }
        let mids = s.time.map { $0 + interval / 2 }
        func line(_ values: [Double?]) -> [(Double, Double)] { zip(mids, values).map { ($0, $1 ?? .nan) } }
        func steps(_ values: [Int]) -> [(Double, Double)] {
            DryrunChart.steps(s.time.map { Int($0) }, values.map(Double.init), interval)
        }
        let solid = { (col: String) in SVGDocument.Stroke(color: col, width: 1.6) }
        let dashed = { (col: String) in SVGDocument.Stroke(color: col, width: 1.6, dash: "6 4") }
        let slaLine = SVGDocument.Stroke(color: DryrunChart.overload, width: 1.2, dash: "2 3")

        // 1. Workers and queue.
        let pools = c.mode == .agg ? [("workers", s.requestedDecode, s.liveDecode, DryrunChart.actual)]
            : [("prefill", s.requestedPrefill, s.livePrefill, DryrunChart.actual),
               ("decode", s.requestedDecode, s.liveDecode, DryrunChart.secondActual)]
        let maxWorkers = pools.flatMap { $0.1 + $0.2 }.max() ?? 1
        let p1 = panel(0, y: .counts(maximum: maxWorkers), y2: .nice(maximum: Double(s.queueDepth.max() ?? 1)))
        p1.drawFrame(&svg, title: "Workers (requested dashed, serving solid) and queue depth", xLabel: xLabel, timeUnit: unit,
                     yLabel: "workers", y2Label: "queued requests", y2Color: DryrunChart.predicted)
        var legend: [(String, SVGDocument.Stroke)] = []
        for (name, requested, live, color) in pools {
            svg.polyline(steps(requested).map { (p1.px($0), p1.py($1)) }, stroke: dashed(color))
            svg.polyline(steps(live).map { (p1.px($0), p1.py($1)) }, stroke: solid(color))
            legend.append((name, solid(color)))
        }
        svg.polyline(line(s.queueDepth.map(Double.init)).map { (p1.px($0), p1.py2($1)) }, stroke: solid(DryrunChart.predicted))
        legend.append(("queue (right)", solid(DryrunChart.predicted)))
        p1.drawLegend(&svg, entries: legend)

        // 2 and 3. Latency percentiles against the SLA.
        for (i, name, p50, p90, sla) in [(1, "TTFT", s.p50TTFT, s.p90TTFT, c.planner.ttftMilliseconds),
                                         (2, "ITL", s.p50ITL, s.p90ITL, c.planner.itlMilliseconds)] {
            let top = DryrunChart.maxOf(p50.compactMap { $0 }, p90.compactMap { $0 }, [sla * 1.1])
            let p = panel(i, y: .nice(maximum: top))
            p.drawFrame(&svg, title: "\(name) of the requests arriving in each interval", xLabel: xLabel, timeUnit: unit,
                        yLabel: "\(name) (ms)", y2Label: nil)
            svg.line(x1: p.left, y1: p.py(sla), x2: p.left + p.width, y2: p.py(sla), stroke: slaLine)
            svg.polyline(line(p50).map { (p.px($0), p.py($1)) }, stroke: solid(DryrunChart.actual))
            svg.polyline(line(p90).map { (p.px($0), p.py($1)) }, stroke: solid(DryrunChart.secondPredicted))
            p.drawLegend(&svg, entries: [("p50", solid(DryrunChart.actual)), ("p90", solid(DryrunChart.secondPredicted)),
                                         ("SLA", slaLine)])
        }

        // 4. Attainment and KV utilisation.
        let p4 = panel(3, y: ChartScale(lower: 0, upper: 1, ticks: [0, 0.25, 0.5, 0.75, 1]))
        p4.drawFrame(&svg, title: "SLA attainment (TTFT and ITL met) and KV cache utilisation", xLabel: xLabel, timeUnit: unit,
                     yLabel: "fraction", y2Label: nil)
        svg.polyline(line(s.attainment).map { (p4.px($0), p4.py($1)) }, stroke: solid(DryrunChart.capacity))
        svg.polyline(line(s.kvUtilization).map { (p4.px($0), p4.py($1)) }, stroke: dashed(DryrunChart.replicas))
        p4.drawLegend(&svg, entries: [("attainment", solid(DryrunChart.capacity)), ("KV utilisation", dashed(DryrunChart.replicas))])
        return svg.rendered
    }
}
