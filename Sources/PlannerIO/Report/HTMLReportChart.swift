import Foundation
import PlannerCore

/// One inline SVG line chart of an HTML report. The points travel as JSON in
/// data attributes; the page's script shows the values nearest the pointer.
enum HTMLReportChart {
    static let width = 1000.0, height = 260.0
    static let left = 70.0, right = 20.0, top = 12.0, bottom = 34.0

    static func render(_ chart: HTMLReport.Chart, id: Int) -> String {
        let plotW = width - left - right, plotH = height - top - bottom
        let xs = chart.x
        let xMin = xs.filter(\.isFinite).min() ?? 0
        var xMax = xs.filter(\.isFinite).max() ?? 1
        if xMax <= xMin { xMax = xMin + 1 }
        let finiteY = chart.series.flatMap(\.values).filter(\.isFinite)
        let yMin = min(0, finiteY.min() ?? 0)
        var yMax = finiteY.max() ?? 1
        if yMax <= yMin { yMax = yMin + 1 }
        yMax += (yMax - yMin) * 0.05
        func px(_ x: Double) -> Double { left + (x - xMin) / (xMax - xMin) * plotW }
        func py(_ y: Double) -> Double { top + plotH - (y - yMin) / (yMax - yMin) * plotH }
        func n(_ v: Double) -> String { String(format: "%.1f", v) }

        var svg = "<div class=\"chart\" id=\"chart\(id)\">\n<h2>\(HTMLReport.escape(chart.title))</h2>\n<div class=\"legend\">"
        for s in chart.series {
            let swatch = s.dashed ? "border-top:3px dashed \(s.color);height:0" : "background:\(s.color)"
            svg += "<span><i style=\"\(HTMLReport.escape(swatch))\"></i>\(HTMLReport.escape(s.name))</span>"
        }
        svg += "</div>\n"
        let names = chart.series.map { jsonString($0.name) }.joined(separator: ",")
        let data = chart.series.map { NumberText.jsonArray($0.values) }.joined(separator: ",")
        svg += "<svg class=\"plot\" width=\"\(Int(width))\" height=\"\(Int(height))\" viewBox=\"0 0 \(Int(width)) \(Int(height))\" "
        svg += "role=\"img\" aria-label=\"\(HTMLReport.escape(chart.title))\" "
        svg += "data-x=\"\(NumberText.jsonArray(xs))\" data-names=\"\(HTMLReport.escape("[" + names + "]"))\" data-y=\"[\(data)]\" "
        svg += "data-x0=\"\(xMin)\" data-x1=\"\(xMax)\" data-left=\"\(left)\" data-plotw=\"\(plotW)\">\n"
        svg += "<title>\(HTMLReport.escape(chart.title))</title>\n"
        svg += "<rect x=\"\(n(left))\" y=\"\(n(top))\" width=\"\(n(plotW))\" height=\"\(n(plotH))\" fill=\"#fafafa\" stroke=\"#ccc\"/>\n"
        for k in 0...4 {
            let y = yMin + (yMax - yMin) * Double(k) / 4
            svg += "<line x1=\"\(n(left))\" x2=\"\(n(left + plotW))\" y1=\"\(n(py(y)))\" y2=\"\(n(py(y)))\" stroke=\"#e4e4e4\"/>"
            svg += "<text x=\"\(n(left - 6))\" y=\"\(n(py(y) + 4))\" font-size=\"11\" text-anchor=\"end\">\(HTMLReport.escape(HTMLReport.format(y)))</text>\n"
            let x = xMin + (xMax - xMin) * Double(k) / 4
            svg += "<text x=\"\(n(px(x)))\" y=\"\(n(height - 14))\" font-size=\"11\" text-anchor=\"middle\">\(HTMLReport.escape(formatTime(x)))</text>\n"
        }
        svg += "<text x=\"14\" y=\"\(n(top + plotH / 2))\" font-size=\"11\" transform=\"rotate(-90 14 \(n(top + plotH / 2)))\" text-anchor=\"middle\">\(HTMLReport.escape(chart.yLabel))</text>\n"
        for s in chart.series {
            var d = "", pen = false
            for (i, v) in s.values.enumerated() where i < xs.count {
                guard v.isFinite, xs[i].isFinite else { pen = false; continue }
                d += "\(pen ? "L" : "M")\(n(px(xs[i]))),\(n(py(v)))"
                pen = true
            }
            svg += "<path d=\"\(d)\" fill=\"none\" stroke=\"\(HTMLReport.escape(s.color))\" stroke-width=\"1.6\""
            svg += s.dashed ? " stroke-dasharray=\"5 3\"/>\n" : "/>\n"
        }
        svg += "<line class=\"guide\" x1=\"0\" x2=\"0\" y1=\"\(n(top))\" y2=\"\(n(top + plotH))\" stroke=\"#888\" visibility=\"hidden\"/>\n"
        svg += "</svg>\n<div class=\"tip\"></div>\n</div>\n"
        return svg
    }

    static func formatTime(_ seconds: Double) -> String {
        guard seconds.isFinite else { return "" }
        if seconds < 120 { return "\(HTMLReport.format(seconds)) s" }
        if seconds < 7200 { return String(format: "%.0f min", seconds / 60) }
        return String(format: "%.1f h", seconds / 3600)
    }

    static func jsonString(_ s: String) -> String {
        var out = "\""
        for c in s.unicodeScalars {
            switch c {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            default: out += c.value < 0x20 ? " " : String(c)
            }
        }
        return out + "\""
    }

    /// Hover: the point nearest the pointer's x, every series' value at it.
    static let script = """
    document.querySelectorAll('svg.plot').forEach(function (svg) {
      var xs = JSON.parse(svg.dataset.x), ys = JSON.parse(svg.dataset.y), names = JSON.parse(svg.dataset.names);
      var x0 = +svg.dataset.x0, x1 = +svg.dataset.x1, left = +svg.dataset.left, w = +svg.dataset.plotw;
      var tip = svg.parentNode.querySelector('.tip'), guide = svg.querySelector('.guide');
      function fmt(v) { return v === null ? 'n/a' : (Math.abs(v) >= 1e4 || Number.isInteger(v) ? Math.round(v).toString() : v.toPrecision(4)); }
      svg.addEventListener('mousemove', function (ev) {
        var box = svg.getBoundingClientRect(), sx = (ev.clientX - box.left) * svg.viewBox.baseVal.width / box.width;
        var xv = x0 + (sx - left) / w * (x1 - x0), best = 0;
        for (var i = 1; i < xs.length; i++) if (Math.abs(xs[i] - xv) < Math.abs(xs[best] - xv)) best = i;
        if (!xs.length) return;
        var gx = left + (xs[best] - x0) / (x1 - x0) * w;
        guide.setAttribute('x1', gx); guide.setAttribute('x2', gx); guide.setAttribute('visibility', 'visible');
        var lines = ['t = ' + fmt(xs[best]) + ' s'];
        for (var s = 0; s < ys.length; s++) lines.push(names[s] + ': ' + fmt(ys[s][best]));
        tip.textContent = ''; lines.forEach(function (l) { var d = document.createElement('div'); d.textContent = l; tip.appendChild(d); });
        tip.style.display = 'block';
        tip.style.left = Math.min(ev.clientX - box.left + 12, box.width - 160) + 'px';
        tip.style.top = (ev.clientY - box.top + 40) + 'px';
      });
      svg.addEventListener('mouseleave', function () { tip.style.display = 'none'; guide.setAttribute('visibility', 'hidden'); });
    });

    """
}
