import Foundation

/// One self-contained HTML report: inline SVG charts with hover values (a small
/// hand-written script, no network fetch), a summary table and the configuration
/// used. `dryrun` builds one from its result; `replay` and `run` build their own
/// `Document` (charts of any series over a shared time axis) and call `render`.
public enum HTMLReport {
    public struct Series: Sendable {
        public var name: String
        public var values: [Double]
        /// CSS colour.
        public var color: String
        public var dashed: Bool

        public init(_ name: String, _ values: [Double], color: String, dashed: Bool = false) {
            self.name = name
            self.values = values
            self.color = color
            self.dashed = dashed
        }
    }

    public struct Chart: Sendable {
        public var title: String
        public var yLabel: String
        /// X values (seconds from the start), one per point of every series.
        public var x: [Double]
        public var series: [Series]

        public init(title: String, yLabel: String, x: [Double], series: [Series]) {
            self.title = title
            self.yLabel = yLabel
            self.x = x
            self.series = series
        }
    }

    public struct Document: Sendable {
        public var title: String
        public var subtitle: String
        public var summary: [(label: String, value: String)]
        public var charts: [Chart]
        /// The configuration used, as YAML (shown verbatim).
        public var configuration: String

        public init(title: String, subtitle: String, summary: [(label: String, value: String)], charts: [Chart],
                    configuration: String) {
            self.title = title
            self.subtitle = subtitle
            self.summary = summary
            self.charts = charts
            self.configuration = configuration
        }
    }

    public static func render(_ doc: Document) -> String {
        var html = """
        <!DOCTYPE html>
        <html lang="en"><head><meta charset="utf-8">
        <title>\(escape(doc.title))</title>
        <style>
        body{font-family:system-ui,sans-serif;margin:24px;color:#222;max-width:1100px}
        h1{font-size:22px;margin-bottom:2px} .sub{color:#666;margin-top:0}
        table.summary{border-collapse:collapse;margin:12px 0} table.summary td{border-bottom:1px solid #ddd;padding:4px 12px}
        table.summary td:first-child{color:#555}
        .chart{margin:18px 0;position:relative} .chart h2{font-size:16px;margin:4px 0}
        .legend span{margin-right:14px;font-size:13px} .legend i{display:inline-block;width:18px;height:3px;vertical-align:middle;margin-right:4px}
        .tip{position:absolute;pointer-events:none;background:#fff;border:1px solid #999;padding:4px 6px;font-size:12px;display:none;white-space:nowrap}
        pre{background:#f6f6f6;padding:10px;overflow:auto;font-size:12px}
        </style></head><body>
        <h1>\(escape(doc.title))</h1>
        <p class="sub">\(escape(doc.subtitle))</p>
        <table class="summary">

        """
        for row in doc.summary {
            html += "<tr><td>\(escape(row.label))</td><td>\(escape(row.value))</td></tr>\n"
        }
        html += "</table>\n"
        for (i, chart) in doc.charts.enumerated() {
            html += HTMLReportChart.render(chart, id: i)
        }
        html += "<h2>Configuration used</h2>\n<pre>\(escape(doc.configuration))</pre>\n"
        html += "<script>\n\(HTMLReportChart.script)</script>\n</body></html>\n"
        return html
    }

    /// Text safe inside HTML elements and double-quoted attributes (the SVG writer's escaping).
    public static func escape(_ s: String) -> String { SVGDocument.escape(s) }

    /// A value for a table or tooltip: up to 4 significant digits; "n/a" when not finite.
    public static func format(_ v: Double) -> String {
        guard v.isFinite else { return "n/a" }
        if (v == v.rounded() || abs(v) >= 1000), abs(v) < 1e12 { return String(format: "%.0f", v) }
        return String(format: "%.4g", v)
    }
}
