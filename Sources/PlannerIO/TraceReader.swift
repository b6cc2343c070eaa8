import PlannerCore
import PlannerJSON

/// Request traces (docs/behaviour.md §2.1): Mooncake JSONL (plain or gzip), Dynamo request
/// trace v1 JSONL, Azure CSV; one file, a directory of shards (sorted by name, all
/// rows merged) or a glob. Everything streams: memory does not grow with the
/// number of requests.
public enum TraceReader {
    /// Per-interval metrics exactly as the reference's `extract`: interval index
    /// `int(t_ms // (interval * 1000))` in float arithmetic, every interval from the
    /// first to the last non-empty one, empty ones as zeros. An empty trace gives [].
    public static func extractIntervals(from path: String, intervalSeconds: Int) throws -> [IntervalMetrics] {
        try extractIntervals(from: path, intervalSeconds: intervalSeconds,
                             maximumIntervals: IntervalAccumulator.defaultMaximumIntervals)
    }

    /// `maximumIntervals` bounds the emitted span (see `IntervalAccumulator`).
    static func extractIntervals(from path: String, intervalSeconds: Int, maximumIntervals: Int) throws -> [IntervalMetrics] {
        guard intervalSeconds > 0 else {
            throw PlannerIOError(path: path, message: "adjustment interval must be a positive number of seconds, got \(intervalSeconds)")
        }
        var accumulator = IntervalAccumulator(intervalSeconds: intervalSeconds, maximumIntervals: maximumIntervals)
        try forEachRequest(path: path) { try accumulator.add($0) }
        return accumulator.metrics()
    }

    /// Calls `body` with every request, in file order, timestamps relative to the
    /// origin (see `TraceRequest`). Dynamo and Azure traces are read twice: once for
    /// the origin, once for the requests. Errors thrown by `body` propagate unchanged
    /// (inside the module, a `LineError` is located at the current file and line).
    public static func forEachRequest(path: String, _ body: (TraceRequest) throws -> Void) throws {
        let (format, readable) = try readableFiles(path)
        switch format {
        case nil:
            return
        case .mooncake:
            for file in readable {
                try forEachLine(of: file) { line, _ in try body(try MooncakeRow.parse(line)) }
            }
        case .dynamoV1:
            let origin = try dynamoOrigin(readable)
            guard origin.isFinite else { return }
            for file in readable {
                try forEachLine(of: file) { line, _ in
                    guard var r = try DynamoRow.parse(line) else { return }
                    r.timestampMilliseconds -= origin
                    try body(r)
                }
            }
        case .azureCSV:
            let origin = try azureOrigin(readable)
            for file in readable {
                try forEachCSVRow(of: file) { row in
                    try body(TraceRequest(timestampMilliseconds: AzureCSV.milliseconds(from: origin, to: row.ticks),
                                          inputLength: row.input, outputLength: row.output))
                }
            }
        }
    }

    /// The files of a trace argument that hold rows, and their one format (nil: no rows).
    static func readableFiles(_ path: String) throws -> (TraceFormat?, [String]) {
        var format: TraceFormat?
        var formatFile = ""
        var readable: [String] = []
        for file in try TraceFiles.resolve(path) {
            guard let detected = try TraceFiles.detectFormat(file) else { continue }
            if let format, format != detected {
                throw PlannerIOError(path: file, message: "is \(detected.rawValue) but \(formatFile) is \(format.rawValue); a trace must use one format")
            }
            format = detected
            formatFile = file
            readable.append(file)
        }
        return (format, readable)
    }

    /// Earliest `request_received_ms` of Dynamo trace files (infinity when none).
    static func dynamoOrigin(_ files: [String]) throws -> Double {
        var origin = Double.infinity
        for file in files {
            try forEachLine(of: file) { line, _ in
                if let r = try DynamoRow.parse(line) { origin = min(origin, r.timestampMilliseconds) }
            }
        }
        return origin
    }

    /// Earliest timestamp (100 ns ticks) of Azure CSV files.
    static func azureOrigin(_ files: [String]) throws -> Int64 {
        var origin = Int64.max
        for file in files {
            try forEachCSVRow(of: file) { origin = min(origin, $0.ticks) }
        }
        return origin
    }

    /// The files a trace argument stands for, in reading order.
    public static func files(of path: String) throws -> [String] {
        try TraceFiles.resolve(path)
    }

    /// Non-blank lines of a file, with `LineError`s located at file and line.
    static func forEachLine(of file: String, _ body: (UnsafeBufferPointer<UInt8>, Int) throws -> Void) throws {
        let source = try TraceFiles.open(file)
        try LineReader.forEachLine(in: source, path: file) { line, number in
            if isBlank(line) { return }
            do {
                try body(line, number)
            } catch let error as LineError {
                throw PlannerIOError(path: file, line: number, message: error.message)
            } catch let error as JSONSyntaxError {
                throw PlannerIOError(path: file, line: number, message: error.lineMessage)
            }
        }
    }

    private static func forEachCSVRow(of file: String, _ body: (AzureCSV.Row) throws -> Void) throws {
        var columns: AzureCSV.Columns?
        try forEachLine(of: file) { line, _ in
            if let columns {
                try body(try AzureCSV.row(line, columns))
            } else {
                columns = try AzureCSV.header(line)
            }
        }
    }

    @inline(__always)
    static func isBlank(_ line: UnsafeBufferPointer<UInt8>) -> Bool {
        // Rows start with '{' or a digit; only then is a full check needed.
        if let c = line.first, c != 0x20 && c != 0x09 && c != 0x0D { return false }
        return line.allSatisfy { $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }
    }
}
