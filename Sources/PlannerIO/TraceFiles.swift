#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import PlannerJSON

/// Turns a trace argument (file, directory of shards, or glob) into files, opens
/// them (gzip by magic number, whatever the name) and recognises their format.
enum TraceFiles {
    /// Names a directory listing keeps; anything else there (READMEs, checksums) is ignored.
    static let traceSuffixes = [".jsonl", ".jsonl.gz", ".json", ".json.gz", ".csv", ".csv.gz", ".gz"]

    static func resolve(_ path: String) throws -> [String] {
        var info = stat()
        if stat(path, &info) == 0 {
            if (info.st_mode & S_IFMT) == S_IFDIR { return try directory(path) }
            return [path]
        }
        if path.contains(where: { "*?[".contains($0) }) { return try glob(path) }
        throw PlannerIOError(path: path, message: "no such trace file, directory or glob match")
    }

    private static func directory(_ path: String) throws -> [String] {
        guard let dir = opendir(path) else {
            throw PlannerIOError(path: path, message: "cannot list directory: \(String(cString: strerror(errno)))")
        }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(cString: raw.baseAddress!.assumingMemoryBound(to: CChar.self))
            }
            guard !name.hasPrefix("."), traceSuffixes.contains(where: { name.hasSuffix($0) }) else { continue }
            let full = path.hasSuffix("/") ? path + name : path + "/" + name
            var info = stat()
            if stat(full, &info) == 0 && (info.st_mode & S_IFMT) == S_IFREG { names.append(full) }
        }
        guard !names.isEmpty else {
            throw PlannerIOError(path: path, message: "directory holds no trace files (\(traceSuffixes.joined(separator: ", ")))")
        }
        return names.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
    }

    private static func glob(_ pattern: String) throws -> [String] {
        var result = glob_t()
        defer { globfree(&result) }
        let status = Glibc.glob(pattern, 0, nil, &result)
        guard status == 0 else {
            throw PlannerIOError(path: pattern, message: "no files match the pattern")
        }
        var paths: [String] = []
        for i in 0..<Int(result.gl_pathc) {
            guard let p = result.gl_pathv[i] else { continue }
            let path = String(cString: p)
            var info = stat()
            if stat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFREG { paths.append(path) }
        }
        guard !paths.isEmpty else { throw PlannerIOError(path: pattern, message: "no regular files match the pattern") }
        return paths.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
    }

    /// The file's decompressed content.
    static func open(_ path: String) throws -> ByteSource {
        let file = try FileByteSource(path: path)
        var magic: [UInt8] = [0, 0]
        let n = try magic.withUnsafeMutableBufferPointer { try file.read(into: $0.baseAddress!, count: 2) }
        let reopened = try FileByteSource(path: path)
        if n == 2 && magic[0] == 0x1F && magic[1] == 0x8B { return try GzipByteSource(file: reopened, path: path) }
        return reopened
    }

    /// The format of a file from its first non-blank line; nil for a file without one.
    static func detectFormat(_ path: String) throws -> TraceFormat? {
        let source = try open(path)
        let capacity = 1 << 16
        var block = [UInt8](repeating: 0, count: capacity)
        var filled = 0
        while filled < capacity {
            let n = try block.withUnsafeMutableBufferPointer { try source.read(into: $0.baseAddress! + filled, count: capacity - filled) }
            if n == 0 { break }
            filled += n
        }
        var start = 0
        while start < filled && [0x20, 0x09, 0x0D, 0x0A].contains(block[start]) { start += 1 }
        if start == filled { return filled == capacity ? .mooncake : nil }
        var end = start
        while end < filled && block[end] != 0x0A { end += 1 }
        if block[start] != 0x7B {
            let line = String(decoding: block[start..<end], as: UTF8.self).uppercased()
            if line.contains("TIMESTAMP") || path.lowercased().hasSuffix(".csv") || path.lowercased().hasSuffix(".csv.gz") {
                return .azureCSV
            }
            throw PlannerIOError(path: path, line: nil,
                                 message: "unrecognised trace format: expected Mooncake or Dynamo v1 JSONL, or an Azure CSV with a TIMESTAMP,ContextTokens,GeneratedTokens header")
        }
        // An event wrapper means Dynamo; anything else is read (and checked) as Mooncake.
        let document = block[start..<end].withUnsafeBufferPointer { try? JSONScanner.parseDocument($0) }
        if document?["event"] != nil { return .dynamoV1 }
        return .mooncake
    }
}
