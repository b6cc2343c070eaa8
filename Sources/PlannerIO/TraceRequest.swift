import PlannerJSON
/// One request of a trace, as every format reduces to it (docs/behaviour.md §2.1).
public struct TraceRequest: Equatable, Sendable {
    /// Milliseconds from the trace origin: as written for Mooncake; for Dynamo and
    /// Azure traces, relative to the earliest request of all the files read.
    public var timestampMilliseconds: Double
    public var inputLength: Int
    public var outputLength: Int

    public init(timestampMilliseconds: Double, inputLength: Int, outputLength: Int) {
        self.timestampMilliseconds = timestampMilliseconds
        self.inputLength = inputLength
        self.outputLength = outputLength
    }
}

/// The trace formats the readers recognise from a file's content.
public enum TraceFormat: String, Sendable {
    /// `{"timestamp", "input_length", "output_length", ...}` per line.
    case mooncake
    /// `dynamo.request.trace.v1` events; `request_end` events are the requests.
    case dynamoV1
    /// Azure LLM inference CSV: `TIMESTAMP,ContextTokens,GeneratedTokens`.
    case azureCSV
}

/// Checks shared by the row parsers: lengths are non-negative integers.
enum FieldCheck {
    static func length(_ number: JSONScanner.Number, field: String) throws -> Int {
        if let integer = number.integer {
            guard integer >= 0 else { throw LineError(message: "field \"\(field)\" must not be negative, found \(integer)") }
            return Int(integer)
        }
        let v = number.value
        guard v.isFinite, v == v.rounded(), v < 9.0e15 else {
            throw LineError(message: "field \"\(field)\": expected a non-negative integer, found \(v)")
        }
        guard v >= 0 else { throw LineError(message: "field \"\(field)\" must not be negative, found \(v)") }
        return Int(v)
    }

    static func timestamp(_ value: Double, field: String) throws -> Double {
        guard value.isFinite else { throw LineError(message: "field \"\(field)\" is not finite (\(value))") }
        return value
    }
}
