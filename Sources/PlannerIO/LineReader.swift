#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Splits a byte stream into lines over one large reusable buffer: no per-line
/// allocation, and memory bounded by the longest line rather than the file.
enum LineReader {
    static let blockSize = 4 << 20
    /// A line longer than this is refused (a trace line is a few hundred bytes; a
    /// missing newline in a corrupt file must not grow the buffer without bound).
    static let maximumLineLength = 64 << 20

    /// Calls `body` with each line (without its `\n` or `\r\n`) and its 1-based number.
    /// The buffer is only valid during the call.
    static func forEachLine(
        in source: ByteSource, path: String,
        _ body: (UnsafeBufferPointer<UInt8>, Int) throws -> Void
    ) throws {
        let cursor = LineCursor(source: source, path: path)
        while let line = try cursor.next() { try body(line, cursor.lineNumber) }
    }
}

/// The lines of a byte stream one at a time (pull-based `LineReader`).
final class LineCursor {
    private let source: ByteSource
    private let path: String
    private var capacity = LineReader.blockSize
    private var buffer: UnsafeMutablePointer<UInt8>
    private var filled = 0        // bytes in buffer[0..<filled]
    private var lineStart = 0     // start of the first line not yet returned
    private var scanFrom = 0      // bytes before this hold no newline after lineStart
    private var ended = false
    /// 1-based number of the line `next()` returned last.
    private(set) var lineNumber = 0

    init(source: ByteSource, path: String) {
        self.source = source
        self.path = path
        buffer = .allocate(capacity: capacity)
    }

    deinit { buffer.deallocate() }

    /// The next line without its `\n` or `\r\n`, nil at the end of the stream.
    /// The bytes are valid until the next call.
    func next() throws -> UnsafeBufferPointer<UInt8>? {
        while true {
            if scanFrom < filled, let hit = memchr(buffer + scanFrom, 0x0A, filled - scanFrom) {
                let newline = UnsafeMutableRawPointer(hit).assumingMemoryBound(to: UInt8.self) - buffer
                let start = lineStart
                lineStart = newline + 1
                scanFrom = lineStart
                return line(start, newline)
            }
            scanFrom = filled
            if ended {
                guard lineStart < filled else { return nil }
                let start = lineStart
                lineStart = filled
                return line(start, filled)
            }
            try refill()
        }
    }

    private func line(_ start: Int, _ end: Int) -> UnsafeBufferPointer<UInt8> {
        lineNumber += 1
        var stop = end
        if stop > start && buffer[stop - 1] == UInt8(ascii: "\r") { stop -= 1 }
        return UnsafeBufferPointer(start: buffer + start, count: stop - start)
    }

    /// Reads more bytes, first making room: the returned lines are no longer needed.
    private func refill() throws {
        if lineStart == filled {
            filled = 0
            lineStart = 0
            scanFrom = 0
        }
        if filled == capacity {
            if lineStart > 0 {
                // Move the unfinished line to the front.
                let keep = filled - lineStart
                memmove(buffer, buffer + lineStart, keep)
                filled = keep
                scanFrom -= lineStart
                lineStart = 0
            } else {
                guard capacity < LineReader.maximumLineLength else {
                    throw PlannerIOError(path: path, line: lineNumber + 1,
                                         message: "line is longer than \(LineReader.maximumLineLength >> 20) MiB (missing newline?)")
                }
                let larger = UnsafeMutablePointer<UInt8>.allocate(capacity: capacity * 2)
                larger.update(from: buffer, count: filled)
                buffer.deallocate()
                buffer = larger
                capacity *= 2
            }
        }
        let n = try source.read(into: buffer + filled, count: capacity - filled)
        if n == 0 { ended = true } else { filled += n }
    }
}
