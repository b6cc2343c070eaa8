/// One request of a trace as the replay reads it.
public struct ReplayTraceRow: Sendable {
    /// Seconds from the trace origin.
    public var arrivalSeconds: Double
    public var inputLength: Int
    public var outputLength: Int
    /// Prompt block hashes (Mooncake `hash_ids`); nil when the trace has none.
    public var hashIDs: [UInt64]?
    /// Where the row came from ("file:line"), for errors.
    public var location: String

    public init(arrivalSeconds: Double, inputLength: Int, outputLength: Int, hashIDs: [UInt64]?, location: String) {
        self.arrivalSeconds = arrivalSeconds
        self.inputLength = inputLength
        self.outputLength = outputLength
        self.hashIDs = hashIDs
        self.location = location
    }
}

/// Pull-based trace input, so the replay holds only the requests in flight
/// (PlannerIO's trace readers implement it; tests and benchmarks generate rows).
public protocol ReplayRequestSource: AnyObject {
    /// The next request in file order, nil at the end.
    func next() throws -> ReplayTraceRow?
}

/// Rows from an array (tests) or a generator closure (benchmarks).
public final class ClosureRequestSource: ReplayRequestSource {
    private let produce: () throws -> ReplayTraceRow?
    public init(_ produce: @escaping () throws -> ReplayTraceRow?) { self.produce = produce }
    public convenience init(rows: [ReplayTraceRow]) {
        var index = 0
        self.init {
            guard index < rows.count else { return nil }
            index += 1
            return rows[index - 1]
        }
    }
    public func next() throws -> ReplayTraceRow? { try produce() }
}

/// Why a replay cannot go on (bad trace order, a refused engine setting).
public struct ReplayError: Error, CustomStringConvertible, Equatable {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
