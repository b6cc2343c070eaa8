/// Azure LLM inference traces (CSV with a header naming `TIMESTAMP`,
/// `ContextTokens`, `GeneratedTokens` in any order). Timestamps are wall-clock
/// (`2023-11-16 18:15:46.6805900`, up to 100 ns resolution) and become whole
/// milliseconds after the earliest request, rounded to nearest (ties to even) —
/// the conversion that produced the JSONL twin of the bundled Azure trace, so both
/// files extract to the same intervals.
enum AzureCSV {
    struct Columns {
        var timestamp: Int
        var context: Int
        var generated: Int
    }

    /// One row: absolute time in 100 ns ticks since 1970-01-01 and the two lengths.
    struct Row {
        var ticks: Int64
        var input: Int
        var output: Int
    }

    static let ticksPerMillisecond: Int64 = 10_000

    static func fields(_ line: UnsafeBufferPointer<UInt8>) -> [Range<Int>] {
        var out: [Range<Int>] = []
        var start = 0
        for i in 0...line.count where i == line.count || line[i] == 0x2C {
            var lo = start, hi = i
            while lo < hi && (line[lo] == 0x20 || line[lo] == 0x09) { lo += 1 }
            while hi > lo && (line[hi - 1] == 0x20 || line[hi - 1] == 0x09) { hi -= 1 }
            if hi - lo >= 2 && line[lo] == 0x22 && line[hi - 1] == 0x22 { lo += 1; hi -= 1 }
            out.append(lo..<hi)
            start = i + 1
        }
        return out
    }

    static func header(_ line: UnsafeBufferPointer<UInt8>) throws -> Columns {
        let names = fields(line).map { String(decoding: UnsafeBufferPointer(rebasing: line[$0]), as: UTF8.self).lowercased() }
        func column(_ name: String) throws -> Int {
            guard let i = names.firstIndex(of: name.lowercased()) else {
                throw LineError(message: "CSV header has no column \"\(name)\" (expected TIMESTAMP,ContextTokens,GeneratedTokens)")
            }
            return i
        }
        return Columns(timestamp: try column("TIMESTAMP"), context: try column("ContextTokens"),
                       generated: try column("GeneratedTokens"))
    }

    static func row(_ line: UnsafeBufferPointer<UInt8>, _ columns: Columns) throws -> Row {
        let parts = fields(line)
        let needed = max(columns.timestamp, columns.context, columns.generated) + 1
        guard parts.count >= needed else {
            throw LineError(message: "expected at least \(needed) comma-separated fields, found \(parts.count)")
        }
        return Row(ticks: try timestamp(UnsafeBufferPointer(rebasing: line[parts[columns.timestamp]])),
                   input: try count(UnsafeBufferPointer(rebasing: line[parts[columns.context]]), "ContextTokens"),
                   output: try count(UnsafeBufferPointer(rebasing: line[parts[columns.generated]]), "GeneratedTokens"))
    }

    static func count(_ text: UnsafeBufferPointer<UInt8>, _ field: String) throws -> Int {
        var value = 0
        let shown = String(decoding: text, as: UTF8.self)
        guard !text.isEmpty else { throw LineError(message: "field \"\(field)\" is empty") }
        if text[0] == 0x2D { throw LineError(message: "field \"\(field)\" must not be negative, found \(shown)") }
        for c in text {
            let d = c &- 0x30
            guard d <= 9, value < (Int.max - 9) / 10 else {
                throw LineError(message: "field \"\(field)\": expected a non-negative integer, found \"\(shown)\"")
            }
            value = value * 10 + Int(d)
        }
        return value
    }

    /// `YYYY-MM-DD HH:MM:SS[.fraction]` (or `T` as separator) → 100 ns ticks.
    static func timestamp(_ text: UnsafeBufferPointer<UInt8>) throws -> Int64 {
        let shown = String(decoding: text, as: UTF8.self)
        let bad = LineError(message: "field \"TIMESTAMP\": expected YYYY-MM-DD HH:MM:SS[.fffffff], found \"\(shown)\"")
        var i = 0
        func digits(_ n: Int) throws -> Int {
            guard i + n <= text.count else { throw bad }
            var v = 0
            for _ in 0..<n {
                let d = text[i] &- 0x30
                guard d <= 9 else { throw bad }
                v = v * 10 + Int(d)
                i += 1
            }
            return v
        }
        func separator(_ allowed: UInt8...) throws {
            guard i < text.count, allowed.contains(text[i]) else { throw bad }
            i += 1
        }
        let year = try digits(4); try separator(0x2D)
        let month = try digits(2); try separator(0x2D)
        let day = try digits(2); try separator(0x20, 0x54)
        let hour = try digits(2); try separator(0x3A)
        let minute = try digits(2); try separator(0x3A)
        let second = try digits(2)
        var fraction: Int64 = 0
        if i < text.count {
            try separator(0x2E)
            var scale: Int64 = 1_000_000
            let start = i
            while i < text.count {
                let d = text[i] &- 0x30
                guard d <= 9 else { throw bad }
                fraction += Int64(d) * scale   // digits past 100 ns are dropped
                scale /= 10
                i += 1
            }
            guard i > start else { throw bad }
        }
        let daysInMonth = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
        guard (1...12).contains(month), day >= 1, day <= daysInMonth[month - 1],
              hour < 24, minute < 60, second < 61 else { throw bad }
        let days = daysFromCivil(year: year, month: month, day: day)
        let seconds = Int64(days) * 86_400 + Int64(hour * 3600 + minute * 60 + second)
        return seconds * 10_000_000 + fraction
    }

    /// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
    static func daysFromCivil(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let doy = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    /// Whole milliseconds between two tick counts, ties to even.
    static func milliseconds(from origin: Int64, to ticks: Int64) -> Double {
        let delta = ticks - origin
        var q = delta / ticksPerMillisecond
        var r = delta % ticksPerMillisecond
        if r < 0 { q -= 1; r += ticksPerMillisecond }
        if r * 2 > ticksPerMillisecond || (r * 2 == ticksPerMillisecond && q % 2 != 0) { q += 1 }
        return Double(q)
    }
}
