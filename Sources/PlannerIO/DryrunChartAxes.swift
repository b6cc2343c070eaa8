import Foundation
import PlannerCore

/// Axis scales and tick placement for the dryrun chart.
struct ChartScale {
    var lower: Double
    var upper: Double
    var ticks: [Double]

    /// A scale from `lower` (usually 0) to a "nice" value at or above `maximum`,
    /// with 4–8 ticks at 1, 2 or 5 × 10^k steps.
    static func nice(lower: Double = 0, maximum: Double, targetTicks: Int = 5) -> ChartScale {
        var hi = maximum.isFinite ? maximum : 1
        if hi <= lower { hi = lower + 1 }
        let step = niceStep((hi - lower) / Double(max(1, targetTicks)))
        let upper = (hi / step).rounded(.up) * step
        return ChartScale(lower: lower, upper: upper, ticks: ticks(from: lower, to: upper, step: step))
    }

    /// A scale over [lower, upper] exactly, ticks at nice steps inside it.
    static func span(lower: Double, upper: Double, targetTicks: Int = 8) -> ChartScale {
        let hi = upper > lower ? upper : lower + 1
        let step = niceStep((hi - lower) / Double(max(1, targetTicks)))
        return ChartScale(lower: lower, upper: hi, ticks: ticks(from: lower, to: hi, step: step))
    }

    /// Multiples of `step` inside [lower, upper], computed by index so they do not drift.
    static func ticks(from lower: Double, to upper: Double, step: Double) -> [Double] {
        let first = (lower / step).rounded(.up)
        let last = (upper / step + 1e-9).rounded(.down)
        guard first <= last else { return [] }
        return stride(from: first, through: last, by: 1).map { $0 * step }
    }

    /// The smallest 1, 2, 2.5 or 5 × 10^k not below `raw`.
    static func niceStep(_ raw: Double) -> Double {
        guard raw.isFinite, raw > 0 else { return 1 }
        let magnitude = pow(10, floor(log10(raw)))
        for m in [1.0, 2, 2.5, 5, 10] where m * magnitude >= raw * (1 - 1e-12) { return m * magnitude }
        return 10 * magnitude
    }

    /// Integer ticks for replica counts (steps of 1, 2, 5, 10...).
    static func counts(maximum: Int) -> ChartScale {
        let top = Double(max(1, maximum))
        let step = max(1.0, niceStep(top / 5).rounded(.up))
        // One step of head-room so the highest step line does not sit on the frame.
        let upper = ((top / step).rounded(.down) + 1) * step
        return ChartScale(lower: 0, upper: upper, ticks: stride(from: 0, through: upper, by: step).map { $0 })
    }
}

/// Tick labels: 1200 → "1.2k", 3_500_000 → "3.5M"; integers plain below 10 000.
func compactNumber(_ v: Double) -> String {
    let a = abs(v)
    func trimmed(_ x: Double, _ suffix: String) -> String {
        let s = NumberText.fixed(x, digits: 2)
        var t = s
        while t.contains(".") && (t.hasSuffix("0") || t.hasSuffix(".")) { t.removeLast() }
        return t + suffix
    }
    if a >= 1e9 { return trimmed(v / 1e9, "G") }
    if a >= 1e6 { return trimmed(v / 1e6, "M") }
    if a >= 1e4 { return trimmed(v / 1e3, "k") }
    return trimmed(v, "")
}

/// The unit the time axis is labelled in, chosen from the span it covers.
struct TimeUnit {
    var seconds: Double
    var name: String

    static func forSpan(_ seconds: Double) -> TimeUnit {
        if seconds >= 48 * 3600 { return TimeUnit(seconds: 3600, name: "h") }
        if seconds >= 20 * 60 { return TimeUnit(seconds: 60, name: "min") }
        return TimeUnit(seconds: 1, name: "s")
    }
}

/// One plotting area of the chart: maps data to pixels and draws its frame,
/// grid, ticks and axis labels.
struct ChartPanel {
    var left: Double, top: Double, width: Double, height: Double
    var x: ChartScale
    var y: ChartScale
    /// Optional second y axis on the right (replica counts, OSL).
    var y2: ChartScale?

    func px(_ v: Double) -> Double { left + (v - x.lower) / (x.upper - x.lower) * width }
    func py(_ v: Double) -> Double { top + height - (v - y.lower) / (y.upper - y.lower) * height }
    func py2(_ v: Double) -> Double {
        guard let y2 else { return py(v) }
        return top + height - (v - y2.lower) / (y2.upper - y2.lower) * height
    }

    func drawFrame(_ svg: inout SVGDocument, title: String, xLabel: String, timeUnit: TimeUnit,
                   yLabel: String, y2Label: String?, y2Color: String = "#444") {
        let grid = SVGDocument.Stroke(color: "#e3e3e3", width: 1)
        for t in y.ticks {
            svg.line(x1: left, y1: py(t), x2: left + width, y2: py(t), stroke: grid)
            svg.text(compactNumber(t), x: left - 6, y: py(t) + 4, size: 11, anchor: .end, color: "#444")
        }
        for t in x.ticks {
            svg.line(x1: px(t), y1: top, x2: px(t), y2: top + height, stroke: grid)
            svg.text(compactNumber(t / timeUnit.seconds), x: px(t), y: top + height + 15, size: 11, anchor: .middle, color: "#444")
        }
        if let y2 {
            for t in y2.ticks {
                svg.line(x1: left + width, y1: py2(t), x2: left + width + 4, y2: py2(t), stroke: SVGDocument.Stroke(color: y2Color))
                svg.text(compactNumber(t), x: left + width + 7, y: py2(t) + 4, size: 11, anchor: .start, color: y2Color)
            }
        }
        svg.rect(x: left, y: top, width: width, height: height, fill: "none", stroke: SVGDocument.Stroke(color: "#888"))
        svg.text(title, x: left, y: top - 10, size: 14, bold: true)
        svg.text(xLabel, x: left + width / 2, y: top + height + 32, size: 12, anchor: .middle, color: "#333")
        svg.text(yLabel, x: left - 52, y: top + height / 2, size: 12, anchor: .middle, color: "#333", rotate: -90)
        if let y2Label {
            svg.text(y2Label, x: left + width + 46, y: top + height / 2, size: 12, anchor: .middle, color: y2Color, rotate: 90)
        }
    }

    /// A legend row right-aligned above the panel, on the title's line, so it never hides data.
    func drawLegend(_ svg: inout SVGDocument, entries: [(String, SVGDocument.Stroke)]) {
        let itemWidths = entries.map { Double($0.0.count) * 6.5 + 46 }
        var x = left + width - itemWidths.reduce(0, +) + 14
        let y = top - 14
        for (i, (label, stroke)) in entries.enumerated() {
            var s = stroke
            s.width = max(2, stroke.width)
            svg.line(x1: x, y1: y, x2: x + 24, y2: y, stroke: s)
            svg.text(label, x: x + 30, y: y + 4, size: 11.5, color: "#222")
            x += itemWidths[i]
        }
    }
}
