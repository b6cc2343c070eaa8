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
        var capacity = blockSize
        var buffer = UnsafeMutablePointer<UInt8>.allocate(capacity: capacity)
        defer { buffer.deallocate() }
        var filled = 0        // bytes in buffer[0..<filled]
        var lineStart = 0     // start of the first unfinished line
        var scanFrom = 0      // bytes before this hold no newline after lineStart
        var lineNumber = 0

        func emit(_ start: Int, _ end: Int) throws {
            lineNumber += 1
            var stop = end
            if stop > start && buffer[stop - 1] == UInt8(ascii: "\r") { stop -= 1 }
            try body(UnsafeBufferPointer(start: buffer + start, count: stop - start), lineNumber)
        }

        while true {
            if filled == capacity {
                if lineStart > 0 {
                    // Move the unfinished line to the front to make room.
                    let keep = filled - lineStart
                    memmove(buffer, buffer + lineStart, keep)
                    filled = keep
                    scanFrom -= lineStart
                    lineStart = 0
                } else {
                    guard capacity < maximumLineLength else {
                        throw PlannerIOError(path: path, line: lineNumber + 1,
                                             message: "line is longer than \(maximumLineLength >> 20) MiB (missing newline?)")
                    }
                    let larger = UnsafeMutablePointer<UInt8>.allocate(capacity: capacity * 2)
                    larger.update(from: buffer, count: filled)
                    buffer.deallocate()
                    buffer = larger
                    capacity *= 2
                }
            }
            let n = try source.read(into: buffer + filled, count: capacity - filled)
            if n == 0 {
                if lineStart < filled { try emit(lineStart, filled) }
                return
            }
            filled += n
            while scanFrom < filled {
                guard let hit = memchr(buffer + scanFrom, 0x0A, filled - scanFrom) else {
                    scanFrom = filled
                    break
                }
                let newline = UnsafeMutableRawPointer(hit).assumingMemoryBound(to: UInt8.self) - buffer
                try emit(lineStart, newline)
                lineStart = newline + 1
                scanFrom = lineStart
            }
            if lineStart == filled {
                filled = 0
                lineStart = 0
                scanFrom = 0
            }
        }
    }
}
