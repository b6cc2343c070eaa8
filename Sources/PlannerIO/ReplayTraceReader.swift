import PlannerCore
import PlannerJSON

/// A trace read one request at a time for `planner replay` (every format
/// `TraceReader` knows; Mooncake rows with their `hash_ids`). Memory stays one
/// read block, however long the trace. Dynamo and Azure traces are read twice:
/// once for their time origin, then row by row.
public final class ReplayTraceReader: ReplayRequestSource {
    private let format: TraceFormat?
    private let files: [String]
    private var fileIndex = -1
    private var cursor: LineCursor?
    private var csvColumns: AzureCSV.Columns?
    private var dynamoOrigin = 0.0
    private var azureOrigin: Int64 = 0

    /// Resolves and checks `path` (file, shard directory or glob) without reading its rows.
    public init(path: String) throws {
        let readable = try TraceReader.readableFiles(path)
        format = readable.0
        files = readable.1
        switch format {
        case .dynamoV1: dynamoOrigin = try TraceReader.dynamoOrigin(files)
        case .azureCSV: azureOrigin = try TraceReader.azureOrigin(files)
        default: break
        }
    }

    /// The trace's format, nil when no file holds a row.
    public var formatName: String? { format?.rawValue }

    public func next() throws -> ReplayTraceRow? {
        guard let format else { return nil }
        while true {
            if cursor == nil {
                fileIndex += 1
                guard fileIndex < files.count else { return nil }
                cursor = LineCursor(source: try TraceFiles.open(files[fileIndex]), path: files[fileIndex])
                csvColumns = nil
            }
            guard let cursor, let line = try cursor.next() else {
                self.cursor = nil
                continue
            }
            if TraceReader.isBlank(line) { continue }
            let file = files[fileIndex]
            let location = "\(file):\(cursor.lineNumber)"
            do {
                switch format {
                case .mooncake:
                    let (r, hashes) = try MooncakeRow.parse(line, collectHashIDs: true)
                    return ReplayTraceRow(arrivalSeconds: r.timestampMilliseconds / 1000, inputLength: r.inputLength,
                                          outputLength: r.outputLength, hashIDs: hashes, location: location)
                case .dynamoV1:
                    guard let r = try DynamoRow.parse(line) else { continue }
                    return ReplayTraceRow(arrivalSeconds: (r.timestampMilliseconds - dynamoOrigin) / 1000,
                                          inputLength: r.inputLength, outputLength: r.outputLength, hashIDs: nil,
                                          location: location)
                case .azureCSV:
                    guard let columns = csvColumns else {
                        csvColumns = try AzureCSV.header(line)
                        continue
                    }
                    let row = try AzureCSV.row(line, columns)
                    let ms = AzureCSV.milliseconds(from: azureOrigin, to: row.ticks)
                    return ReplayTraceRow(arrivalSeconds: ms / 1000, inputLength: row.input, outputLength: row.output,
                                          hashIDs: nil, location: location)
                }
            } catch let error as LineError {
                throw PlannerIOError(path: file, line: cursor.lineNumber, message: error.message)
            } catch let error as JSONSyntaxError {
                throw PlannerIOError(path: file, line: cursor.lineNumber, message: error.lineMessage)
            }
        }
    }
}
