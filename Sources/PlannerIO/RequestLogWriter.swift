import Foundation
import PlannerCore

/// `--per-request`: one JSON object per finished request, in completion order,
/// written through a 1 MiB buffer (memory does not grow with the trace).
public final class RequestLogWriter {
    public let path: String
    private let handle: FileHandle
    private var buffer = ""
    private static let flushBytes = 1 << 20

    public init(path: String) throws {
        try OutputPath.checkWritable(path, what: "per-request JSONL")
        guard FileManager.default.createFile(atPath: path, contents: nil), let h = FileHandle(forWritingAtPath: path) else {
            throw PlannerIOError(path: path, message: "cannot write the per-request JSONL")
        }
        self.path = path
        handle = h
        buffer.reserveCapacity(Self.flushBytes + 4096)
    }

    deinit { try? handle.close() }

    public func write(_ r: ReplayRequestRecord) throws {
        func n(_ v: Double?) -> String { v.map(JSONText.number) ?? "null" }
        buffer += "{\"id\": \(r.id), \"arrival_s\": \(n(r.arrivalSeconds)), \"isl\": \(r.inputLength), \"osl\": \(r.outputLength), "
        buffer += "\"cached_tokens\": \(r.cachedTokens), \"preemptions\": \(r.preemptions), \"ttft_ms\": \(n(r.ttftMilliseconds)), "
        buffer += "\"itl_ms\": \(n(r.itlMilliseconds)), \"tpot_ms\": \(n(r.tpotMilliseconds)), "
        buffer += "\"e2e_latency_ms\": \(n(r.e2eMilliseconds)), \"queue_ms\": \(n(r.queueMilliseconds)), "
        buffer += "\"met_ttft\": \(r.metTTFT), \"met_itl\": \(r.metITL), \"met_sla\": \(r.metBoth)}\n"
        if buffer.utf8.count >= Self.flushBytes { try flush() }
    }

    /// Writes what is buffered; call once more at the end.
    public func flush() throws {
        guard !buffer.isEmpty else { return }
        do { try handle.write(contentsOf: Data(buffer.utf8)) } catch {
            throw PlannerIOError(path: path, message: "cannot write the per-request JSONL: \(error.localizedDescription)")
        }
        buffer.removeAll(keepingCapacity: true)
    }
}
