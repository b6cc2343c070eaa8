import CPlannerZlib

/// One-shot zlib compression and CRC-32 — what writers of gzip traces and NPZ
/// archives need (tests build their fixtures with it; readers never compress).
enum Deflate {
    enum Container { case raw, gzip }

    static func compress(_ bytes: [UInt8], container: Container, level: Int32 = 6) -> [UInt8] {
        var stream = z_stream()
        let bits: Int32 = container == .raw ? -15 : 15 + 16
        guard deflateInit2_(&stream, level, Z_DEFLATED, bits, 8, Z_DEFAULT_STRATEGY,
                            zlibVersion(), Int32(MemoryLayout<z_stream>.size)) == Z_OK else { return [] }
        defer { deflateEnd(&stream) }
        var out = [UInt8](repeating: 0, count: Int(deflateBound(&stream, UInt(bytes.count))) + 32)
        var input = bytes
        let produced: Int = input.withUnsafeMutableBufferPointer { i in
            out.withUnsafeMutableBufferPointer { o in
                stream.next_in = i.baseAddress
                stream.avail_in = UInt32(i.count)
                stream.next_out = o.baseAddress
                stream.avail_out = UInt32(o.count)
                _ = deflate(&stream, Z_FINISH)
                return o.count - Int(stream.avail_out)
            }
        }
        return Array(out[0..<produced])
    }

    static func crc(_ bytes: [UInt8]) -> UInt32 {
        UInt32(bytes.withUnsafeBufferPointer { crc32(0, $0.baseAddress, UInt32($0.count)) })
    }
}
