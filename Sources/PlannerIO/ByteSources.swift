#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CPlannerZlib

/// A forward-only stream of bytes, read in large blocks (traces are streamed, never
/// loaded whole, so memory stays constant however long the trace is).
protocol ByteSource: AnyObject {
    /// Copies up to `count` bytes to `buffer`; returns 0 only at the end of the stream.
    func read(into buffer: UnsafeMutablePointer<UInt8>, count: Int) throws -> Int
}

/// A regular file read with read(2); closed when released.
final class FileByteSource: ByteSource {
    let path: String
    private let descriptor: Int32

    init(path: String) throws {
        self.path = path
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else {
            throw PlannerIOError(path: path, message: "cannot open: \(String(cString: strerror(errno)))")
        }
        descriptor = fd
    }

    deinit { close(descriptor) }

    func read(into buffer: UnsafeMutablePointer<UInt8>, count: Int) throws -> Int {
        while true {
            #if canImport(Glibc)
            let n = Glibc.read(descriptor, buffer, count)
            #else
            let n = Darwin.read(descriptor, buffer, count)
            #endif
            if n >= 0 { return n }
            if errno == EINTR { continue }
            throw PlannerIOError(path: path, message: "cannot read: \(String(cString: strerror(errno)))")
        }
    }

    /// Reads the whole file, refusing files over `limit` bytes (profiles are small;
    /// the limit keeps a hostile or mistaken path from exhausting memory).
    static func readAll(path: String, limit: Int) throws -> [UInt8] {
        let source = try FileByteSource(path: path)
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let n = try chunk.withUnsafeMutableBufferPointer { buffer in
                try source.read(into: buffer.baseAddress!, count: buffer.count)
            }
            if n == 0 { return bytes }
            if bytes.count + n > limit {
                throw PlannerIOError(path: path, message: "file is larger than the \(limit >> 20) MiB limit")
            }
            bytes.append(contentsOf: chunk[0..<n])
        }
    }
}

/// Bytes held in memory (tests and already-decompressed data).
final class MemoryByteSource: ByteSource {
    private let bytes: [UInt8]
    private var offset = 0

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    func read(into buffer: UnsafeMutablePointer<UInt8>, count: Int) throws -> Int {
        let n = min(count, bytes.count - offset)
        if n > 0 {
            bytes.withUnsafeBufferPointer { buffer.update(from: $0.baseAddress! + offset, count: n) }
            offset += n
        }
        return n
    }
}

/// The decompressed content of a gzip file (one or several concatenated members,
/// as `cat a.gz b.gz` produces), inflated block by block with zlib.
final class GzipByteSource: ByteSource {
    private let file: ByteSource
    private let path: String
    private let stream: UnsafeMutablePointer<z_stream>
    private let input: UnsafeMutablePointer<UInt8>
    private let inputCapacity = 1 << 20
    private var inputEnded = false
    private var finished = false
    /// True after a member ended: the next bytes, if any, start another member.
    private var betweenMembers = false

    init(file: ByteSource, path: String) throws {
        self.file = file
        self.path = path
        stream = .allocate(capacity: 1)
        stream.initialize(to: z_stream())
        input = .allocate(capacity: inputCapacity)
        // 15 + 32: maximum window, gzip or zlib header detected automatically.
        let status = inflateInit2_(stream, 15 + 32, zlibVersion(), Int32(MemoryLayout<z_stream>.size))
        guard status == Z_OK else {
            stream.deallocate()
            input.deallocate()
            throw PlannerIOError(path: path, message: "cannot initialise zlib (status \(status))")
        }
    }

    deinit {
        inflateEnd(stream)
        stream.deallocate()
        input.deallocate()
    }

    private func refill() throws {
        if stream.pointee.avail_in == 0 && !inputEnded {
            let n = try file.read(into: input, count: inputCapacity)
            if n == 0 { inputEnded = true }
            stream.pointee.next_in = input
            stream.pointee.avail_in = UInt32(n)
        }
    }

    func read(into buffer: UnsafeMutablePointer<UInt8>, count: Int) throws -> Int {
        let capacity = UInt32(min(count, Int(UInt32.max)))
        while !finished {
            try refill()
            if betweenMembers {
                if stream.pointee.avail_in == 0 { finished = true; break }
                inflateReset(stream)
                betweenMembers = false
            }
            stream.pointee.next_out = buffer
            stream.pointee.avail_out = capacity
            let status = inflate(stream, Z_NO_FLUSH)
            let produced = Int(capacity - stream.pointee.avail_out)
            switch status {
            case Z_STREAM_END:
                betweenMembers = true
            case Z_OK:
                break
            case Z_BUF_ERROR where stream.pointee.avail_in == 0 && inputEnded:
                throw PlannerIOError(path: path, message: "gzip data is truncated")
            case Z_BUF_ERROR:
                break
            default:
                let reason = stream.pointee.msg.map { String(cString: $0) } ?? "status \(status)"
                throw PlannerIOError(path: path, message: "corrupt gzip data: \(reason)")
            }
            if produced > 0 { return produced }
            if status == Z_OK && stream.pointee.avail_in == 0 && inputEnded {
                throw PlannerIOError(path: path, message: "gzip data is truncated")
            }
        }
        return 0
    }
}
