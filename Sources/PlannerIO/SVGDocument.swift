import PlannerCore

/// A minimal SVG 1.1 writer: enough primitives for line charts, with text
/// escaped and coordinates rounded to 0.1 px so files stay small.
public struct SVGDocument {
    public let width: Double
    public let height: Double
    private var body: [String] = []

    public init(width: Double, height: Double) {
        self.width = width
        self.height = height
    }

    /// Options shared by the stroked shapes.
    public struct Stroke {
        public var color: String
        public var width: Double = 1
        /// SVG dash pattern, e.g. "6 4"; nil for solid.
        public var dash: String? = nil
        public var opacity: Double = 1

        public init(color: String, width: Double = 1, dash: String? = nil, opacity: Double = 1) {
            self.color = color
            self.width = width
            self.dash = dash
            self.opacity = opacity
        }

        var attributes: String {
            var a = "fill=\"none\" stroke=\"\(color)\" stroke-width=\"\(SVGDocument.f(width))\""
            if let dash { a += " stroke-dasharray=\"\(dash)\"" }
            if opacity < 1 { a += " stroke-opacity=\"\(SVGDocument.f(opacity))\"" }
            return a
        }
    }

    public enum Anchor: String { case start, middle, end }

    public mutating func rect(x: Double, y: Double, width: Double, height: Double, fill: String,
                              opacity: Double = 1, stroke: Stroke? = nil) {
        var a = "x=\"\(Self.f(x))\" y=\"\(Self.f(y))\" width=\"\(Self.f(max(0, width)))\" height=\"\(Self.f(max(0, height)))\""
        a += " fill=\"\(fill)\""
        if opacity < 1 { a += " fill-opacity=\"\(Self.f(opacity))\"" }
        if let stroke {
            a += " stroke=\"\(stroke.color)\" stroke-width=\"\(Self.f(stroke.width))\""
        }
        body.append("<rect \(a)/>")
    }

    public mutating func line(x1: Double, y1: Double, x2: Double, y2: Double, stroke: Stroke) {
        body.append("<line x1=\"\(Self.f(x1))\" y1=\"\(Self.f(y1))\" x2=\"\(Self.f(x2))\" y2=\"\(Self.f(y2))\" \(stroke.attributes)/>")
    }

    /// A polyline through `points`; non-finite points break the line into pieces.
    public mutating func polyline(_ points: [(Double, Double)], stroke: Stroke) {
        var run: [String] = []
        func flush() {
            if run.count >= 2 { body.append("<polyline points=\"\(run.joined(separator: " "))\" \(stroke.attributes) stroke-linejoin=\"round\"/>") }
            run.removeAll(keepingCapacity: true)
        }
        for (x, y) in points {
            if x.isFinite && y.isFinite { run.append("\(Self.f(x)),\(Self.f(y))") } else { flush() }
        }
        flush()
    }

    public mutating func circle(cx: Double, cy: Double, r: Double, fill: String) {
        body.append("<circle cx=\"\(Self.f(cx))\" cy=\"\(Self.f(cy))\" r=\"\(Self.f(r))\" fill=\"\(fill)\"/>")
    }

    /// Text at (x, y) (baseline); `rotate` turns it about its anchor point (degrees).
    public mutating func text(_ string: String, x: Double, y: Double, size: Double = 12, anchor: Anchor = .start,
                              color: String = "#222", bold: Bool = false, rotate: Double = 0) {
        var a = "x=\"\(Self.f(x))\" y=\"\(Self.f(y))\" font-size=\"\(Self.f(size))\" text-anchor=\"\(anchor.rawValue)\" fill=\"\(color)\""
        if bold { a += " font-weight=\"bold\"" }
        if rotate != 0 { a += " transform=\"rotate(\(Self.f(rotate)) \(Self.f(x)) \(Self.f(y)))\"" }
        body.append("<text \(a)>\(Self.escape(string))</text>")
    }

    /// The finished document.
    public var rendered: String {
        var s = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        s += "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Self.f(width))\" height=\"\(Self.f(height))\" "
        s += "viewBox=\"0 0 \(Self.f(width)) \(Self.f(height))\" font-family=\"DejaVu Sans, Helvetica, Arial, sans-serif\">\n"
        s += "<rect x=\"0\" y=\"0\" width=\"\(Self.f(width))\" height=\"\(Self.f(height))\" fill=\"white\"/>\n"
        s += body.joined(separator: "\n")
        s += "\n</svg>\n"
        return s
    }

    static func escape(_ s: String) -> String {
        var out = ""
        for c in s {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            default: out.append(c)
            }
        }
        return out
    }

    /// Coordinates with at most one decimal.
    static func f(_ v: Double) -> String { NumberText.rounded(v, decimals: 1, nonFinite: "0") }
}
