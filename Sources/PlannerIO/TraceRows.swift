import PlannerJSON
/// Mooncake rows: `timestamp` (ms, int or float), `input_length`, `output_length`;
/// every other key (notably the long `hash_ids`) is validated and skipped without
/// being decoded. Mirrors the reference's `json.loads` + `float`/`int` per line.
enum MooncakeRow {
    static func parse(_ line: UnsafeBufferPointer<UInt8>) throws -> TraceRequest {
        try parse(line, collectHashIDs: false).request
    }

    /// The request and, when asked for and present, its `hash_ids` (non-negative integers).
    static func parse(_ line: UnsafeBufferPointer<UInt8>, collectHashIDs: Bool) throws -> (request: TraceRequest, hashIDs: [UInt64]?) {
        var hashIDs: [UInt64]?
        var s = JSONScanner.pythonic(line)
        s.skipWhitespace()
        guard s.peek() == 0x7B else { throw s.failure("a JSON object '{'") }
        s.index += 1
        s.skipWhitespace()
        var timestamp: Double?
        var input: Int?
        var output: Int?
        if s.peek() == 0x7D {
            s.index += 1
        } else {
            while true {
                guard s.peek() == 0x22 else { throw s.failure("a string key") }
                let key = try s.scanString()
                s.skipWhitespace()
                try s.expect(0x3A, "':'")
                s.skipWhitespace()
                if s.stringEquals(key, "timestamp") {
                    timestamp = try FieldCheck.timestamp(number(&s, "timestamp").value, field: "timestamp")
                } else if s.stringEquals(key, "input_length") {
                    input = try FieldCheck.length(number(&s, "input_length"), field: "input_length")
                } else if s.stringEquals(key, "output_length") {
                    output = try FieldCheck.length(number(&s, "output_length"), field: "output_length")
                } else if collectHashIDs, s.stringEquals(key, "hash_ids") {
                    hashIDs = try parseHashIDs(&s)
                } else {
                    try s.skipValue()
                }
                s.skipWhitespace()
                let c = s.peek()
                if c == 0x2C { s.index += 1; s.skipWhitespace(); continue }
                if c == 0x7D { s.index += 1; break }
                throw s.failure("',' or '}'")
            }
        }
        try s.expectEnd()
        guard let timestamp else { throw LineError(message: "missing field \"timestamp\"") }
        guard let input else { throw LineError(message: "missing field \"input_length\"") }
        guard let output else { throw LineError(message: "missing field \"output_length\"") }
        return (TraceRequest(timestampMilliseconds: timestamp, inputLength: input, outputLength: output), hashIDs)
    }

    private static func parseHashIDs(_ s: inout JSONScanner) throws -> [UInt64] {
        guard s.peek() == 0x5B else { throw LineError(message: "field \"hash_ids\": expected an array of integers") }
        s.index += 1
        s.skipWhitespace()
        var ids: [UInt64] = []
        if s.peek() == 0x5D { s.index += 1; return ids }
        // One allocation for the usual prompt (a few dozen 512-token blocks) instead of doubling from 1.
        ids.reserveCapacity(32)
        while true {
            let c = s.peek()
            guard (c >= 0x30 && c <= 0x39) || c == 0x2D, let v = try s.parseNumber().integer, v >= 0 else {
                throw LineError(message: "field \"hash_ids\": expected non-negative integers")
            }
            ids.append(UInt64(v))
            s.skipWhitespace()
            let next = s.peek()
            if next == 0x2C { s.index += 1; s.skipWhitespace(); continue }
            if next == 0x5D { s.index += 1; return ids }
            throw s.failure("',' or ']' in \"hash_ids\"")
        }
    }

    /// A number field; anything else is a type error naming the field.
    @inline(__always)
    private static func number(_ s: inout JSONScanner, _ field: String) throws -> JSONScanner.Number {
        let c = s.peek()
        if (c >= 0x30 && c <= 0x39) || c == 0x2D || c == 0x4E || c == 0x49 {
            if c == 0x4E { try s.literal("NaN"); return .init(value: .nan, integer: nil) }
            if c == 0x49 { try s.literal("Infinity"); return .init(value: .infinity, integer: nil) }
            return try s.parseNumber()
        }
        var probe = s
        let found = (try? probe.parseValue())?.kind ?? "invalid JSON"
        throw LineError(message: "field \"\(field)\": expected a number, found \(found)")
    }
}

/// Dynamo request-trace v1 events. Only `request_end` events are requests; other
/// event types of the same schema are skipped. Timestamps are absolute
/// (`request_received_ms`); the reader subtracts the earliest one.
enum DynamoRow {
    static let schema = "dynamo.request.trace.v1"

    /// The request of a `request_end` event with its absolute timestamp, nil for
    /// other events.
    static func parse(_ line: UnsafeBufferPointer<UInt8>) throws -> TraceRequest? {
        let document = try JSONScanner.parseDocument(line)
        guard case .object = document else { throw LineError(message: "expected a JSON object, found \(document.kind)") }
        let event = try member(document, "event", path: "event")
        if let declared = event["schema"] {
            guard case .string(let name) = declared, name == schema else {
                throw LineError(message: "field \"event.schema\": expected \"\(schema)\"")
            }
        }
        guard case .string(let type)? = event["event_type"] else {
            throw LineError(message: event["event_type"] == nil ? "missing field \"event.event_type\""
                                                                 : "field \"event.event_type\": expected a string")
        }
        guard type == "request_end" else { return nil }
        let request = try member(event, "request", path: "event.request")
        let received = try FieldCheck.timestamp(
            number(request, "request_received_ms", path: "event.request.request_received_ms").value,
            field: "event.request.request_received_ms")
        let output = try FieldCheck.length(number(request, "output_tokens", path: "event.request.output_tokens"),
                                           field: "event.request.output_tokens")
        let replay = try member(request, "replay", path: "event.request.replay")
        let input = try FieldCheck.length(number(replay, "input_length", path: "event.request.replay.input_length"),
                                          field: "event.request.replay.input_length")
        return TraceRequest(timestampMilliseconds: received, inputLength: input, outputLength: output)
    }

    private static func member(_ parent: JSONValue, _ key: String, path: String) throws -> JSONValue {
        guard let value = parent[key] else { throw LineError(message: "missing field \"\(path)\"") }
        guard case .object = value else { throw LineError(message: "field \"\(path)\": expected an object, found \(value.kind)") }
        return value
    }

    private static func number(_ parent: JSONValue, _ key: String, path: String) throws -> JSONScanner.Number {
        guard let value = parent[key] else { throw LineError(message: "missing field \"\(path)\"") }
        guard case .number(let n) = value else { throw LineError(message: "field \"\(path)\": expected a number, found \(value.kind)") }
        return n
    }
}
