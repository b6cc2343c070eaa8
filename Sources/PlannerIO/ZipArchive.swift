import CPlannerZlib

/// The members of a zip archive (what `np.savez` / `np.savez_compressed` write),
/// read from its central directory. Written here rather than with ZIPFoundation
/// because every size, offset and count comes from the untrusted file: this reader
/// bounds-checks each one, caps declared and inflated sizes (zip bombs) and checks
/// CRC-32, so a corrupt archive always becomes a thrown error — and for the tiny
/// archives profiles are, one read of the file plus zlib is also the fastest path.
/// Handles numpy's ZIP64 extra fields (it forces ZIP64 on every member).
struct ZipArchive {
    struct Member {
        var name: String
        var method: UInt16
        var crc: UInt32
        var compressedSize: Int
        var uncompressedSize: Int
        var localHeaderOffset: Int
    }

    /// Largest member we inflate (bytes); profiles hold a few kilobytes.
    static let maximumMemberSize = 256 << 20
    static let maximumMembers = 4096

    let bytes: [UInt8]
    let path: String
    private(set) var members: [Member] = []

    init(bytes: [UInt8], path: String) throws {
        self.bytes = bytes
        self.path = path
        try readCentralDirectory()
    }

    private func fail(_ message: String) -> PlannerIOError {
        PlannerIOError(path: path, message: "not a valid NPZ (zip) archive: \(message)")
    }

    private func u16(_ at: Int) throws -> Int {
        guard at >= 0, at + 2 <= bytes.count else { throw fail("truncated at byte \(at)") }
        return Int(bytes[at]) | Int(bytes[at + 1]) << 8
    }

    private func u32(_ at: Int) throws -> Int {
        guard at >= 0, at + 4 <= bytes.count else { throw fail("truncated at byte \(at)") }
        return (0..<4).reduce(0) { $0 | Int(bytes[at + $1]) << (8 * $1) }
    }

    private func u64(_ at: Int) throws -> Int {
        guard at >= 0, at + 8 <= bytes.count else { throw fail("truncated at byte \(at)") }
        let value = (0..<8).reduce(UInt64(0)) { $0 | UInt64(bytes[at + $1]) << (8 * UInt64($1)) }
        guard value <= UInt64(Int32.max) else { throw fail("64-bit size or offset \(value) is out of range") }
        return Int(value)
    }

    private mutating func readCentralDirectory() throws {
        // The end-of-central-directory record sits in the last 22 + 65535 bytes.
        guard bytes.count >= 22 else { throw fail("file is too short (\(bytes.count) bytes)") }
        var eocd = bytes.count - 22
        let lowest = max(0, bytes.count - 22 - 65_535)
        while eocd >= lowest, try u32(eocd) != 0x0605_4B50 { eocd -= 1 }
        guard eocd >= lowest else { throw fail("no end-of-central-directory record") }
        var count = try u16(eocd + 10)
        var offset = try u32(eocd + 16)
        if count == 0xFFFF || offset == 0xFFFF_FFFF {
            // ZIP64: locator just before the EOCD points at the ZIP64 EOCD record.
            let locator = eocd - 20
            guard try u32(locator) == 0x0706_4B50 else { throw fail("ZIP64 locator missing") }
            let record = try u64(locator + 8)
            guard try u32(record) == 0x0606_4B50 else { throw fail("ZIP64 end record missing") }
            count = try u64(record + 32)
            offset = try u64(record + 48)
        }
        guard count <= Self.maximumMembers else { throw fail("declares \(count) members (limit \(Self.maximumMembers))") }
        var at = offset
        for _ in 0..<count {
            guard try u32(at) == 0x0201_4B50 else { throw fail("bad central directory entry at byte \(at)") }
            let flags = try u16(at + 8)
            guard flags & 1 == 0 else { throw fail("encrypted members are not supported") }
            var member = Member(name: "", method: UInt16(try u16(at + 10)), crc: UInt32(try u32(at + 16)),
                                compressedSize: try u32(at + 20), uncompressedSize: try u32(at + 24),
                                localHeaderOffset: try u32(at + 42))
            let nameLength = try u16(at + 28), extraLength = try u16(at + 30), commentLength = try u16(at + 32)
            guard at + 46 + nameLength + extraLength <= bytes.count else { throw fail("central directory entry overruns the file") }
            member.name = String(decoding: bytes[(at + 46)..<(at + 46 + nameLength)], as: UTF8.self)
            try applyZip64(extra: at + 46 + nameLength, length: extraLength, to: &member)
            members.append(member)
            at += 46 + nameLength + extraLength + commentLength
        }
    }

    /// ZIP64 extended information (id 1): 64-bit values for the fields saturated at 0xFFFFFFFF, in order.
    private func applyZip64(extra start: Int, length: Int, to member: inout Member) throws {
        var at = start
        while at + 4 <= start + length {
            let id = try u16(at), size = try u16(at + 2)
            let body = at + 4
            guard body + size <= start + length else { throw fail("extra field overruns its entry") }
            if id == 1 {
                var field = body
                func next() throws -> Int {
                    guard field + 8 <= body + size else { throw fail("ZIP64 extra field is too short") }
                    defer { field += 8 }
                    return try u64(field)
                }
                if member.uncompressedSize == 0xFFFF_FFFF { member.uncompressedSize = try next() }
                if member.compressedSize == 0xFFFF_FFFF { member.compressedSize = try next() }
                if member.localHeaderOffset == 0xFFFF_FFFF { member.localHeaderOffset = try next() }
            }
            at = body + size
        }
    }

    /// The uncompressed content of a member, checked against its declared size and CRC-32.
    func contents(of member: Member) throws -> [UInt8] {
        let where_ = "member \(member.name)"
        guard member.uncompressedSize <= Self.maximumMemberSize else {
            throw fail("\(where_) declares \(member.uncompressedSize) bytes, over the \(Self.maximumMemberSize >> 20) MiB limit")
        }
        let local = member.localHeaderOffset
        guard try u32(local) == 0x0403_4B50 else { throw fail("\(where_) has no local header at byte \(local)") }
        let start = local + 30 + (try u16(local + 26)) + (try u16(local + 28))
        guard start + member.compressedSize <= bytes.count else { throw fail("\(where_) data overruns the file") }
        var out = [UInt8](repeating: 0, count: member.uncompressedSize)
        switch member.method {
        case 0:
            guard member.compressedSize == member.uncompressedSize else { throw fail("\(where_): stored sizes disagree") }
            out.withUnsafeMutableBufferPointer { o in
                bytes.withUnsafeBufferPointer { b in
                    if o.count > 0 { o.baseAddress!.update(from: b.baseAddress! + start, count: o.count) }
                }
            }
        case 8:
            try inflateRaw(from: start, count: member.compressedSize, into: &out, name: member.name)
        default:
            throw fail("\(where_) uses compression method \(member.method) (only stored and deflate are supported)")
        }
        let crc = out.withUnsafeBufferPointer { crc32(0, $0.baseAddress, UInt32($0.count)) }
        guard UInt32(crc) == member.crc else { throw fail("\(where_) fails its CRC-32 check (corrupt file)") }
        return out
    }

    /// Inflates into a buffer one byte larger than the declared size: filling that
    /// extra byte proves a size mismatch, so a bomb never gets more memory than it
    /// declared (and declarations are capped).
    private func inflateRaw(from start: Int, count: Int, into out: inout [UInt8], name: String) throws {
        var stream = z_stream()
        guard inflateInit2_(&stream, -15, zlibVersion(), Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw fail("cannot initialise zlib")
        }
        defer { inflateEnd(&stream) }
        let declared = out.count
        out.append(0)
        let status: Int32 = bytes.withUnsafeBufferPointer { b in
            out.withUnsafeMutableBufferPointer { o in
                stream.next_in = UnsafeMutablePointer(mutating: b.baseAddress! + start)
                stream.avail_in = UInt32(count)
                stream.next_out = o.baseAddress!
                stream.avail_out = UInt32(o.count)
                return inflate(&stream, Z_FINISH)
            }
        }
        out.removeLast()
        let produced = Int(stream.total_out)
        if produced > declared {
            throw fail("member \(name) inflates to more than the declared \(declared) bytes")
        }
        switch status {
        case Z_STREAM_END where produced == declared:
            return
        case Z_STREAM_END:
            throw fail("member \(name) inflates to \(produced) bytes, not the declared \(declared)")
        case Z_BUF_ERROR, Z_OK:
            throw fail("member \(name) has truncated deflate data")
        default:
            throw fail("member \(name) has corrupt deflate data (zlib status \(status))")
        }
    }
}
