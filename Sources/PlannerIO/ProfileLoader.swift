#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Dispatch
import PlannerCore

/// Pre-deployment profile directories (docs/behaviour.md §2.2). Per phase, NPZ
/// (`selected_<phase>_interpolation/raw_data.npz`) wins over JSON
/// (`<phase>_raw_data.json`).
///
/// Validation happens here, once, so interpolators can trust their input: every
/// array of a phase must have the same non-zero length, values must be finite
/// (a NaN or infinity is an error naming the array and index — a profile with holes
/// is a failed profiling run, not something to interpolate through), and
/// `max_kv_tokens` must be a positive integer.
public enum ProfileLoader {
    static let prefillKeys = ["prefill_isl", "prefill_ttft", "prefill_thpt_per_gpu"]
    static let decodeKeys = ["x_kv_usage", "y_context_length", "z_itl", "z_thpt_per_gpu"]
    /// Profile files beyond this size are refused unread.
    static let maximumFileSize = 256 << 20

    public static func load(directory: String) throws -> PerformanceProfile {
        let prefill = try phase(directory, "prefill", keys: prefillKeys)
        let decode = try phase(directory, "decode", keys: decodeKeys + ["max_kv_tokens"])
        return try assemble(prefill: prefill, decode: decode)
    }

    /// Loads many directories concurrently (users sweep hundreds of profiles); one
    /// result per directory, in the same order, failures kept per directory.
    public static func loadMany(directories: [String]) -> [Result<PerformanceProfile, Error>] {
        let results = UnsafeMutableBufferPointer<Result<PerformanceProfile, Error>>.allocate(capacity: directories.count)
        defer { results.deallocate() }
        // Each iteration writes only its own slot, so no lock is needed.
        DispatchQueue.concurrentPerform(iterations: directories.count) { i in
            let result = Result { try load(directory: directories[i]) }
            (results.baseAddress! + i).initialize(to: result)
        }
        let out = Array(results)
        _ = results.deinitialize()
        return out
    }

    /// The arrays of one phase, by name, from whichever file exists.
    static func phase(_ directory: String, _ kind: String, keys: [String]) throws -> (file: String, arrays: [String: NPYArray]) {
        let base = directory.hasSuffix("/") ? String(directory.dropLast()) : directory
        let npz = "\(base)/selected_\(kind)_interpolation/raw_data.npz"
        let json = "\(base)/\(kind)_raw_data.json"
        if isFile(npz) {
            return (npz, try readNPZ(path: npz, keys: keys))
        }
        if isFile(json) {
            return (json, try ProfileJSON.read(path: json, keys: keys))
        }
        throw PlannerIOError(path: directory, message:
            "no \(kind) profile: looked for \(npz) and \(json); run pre-deployment profiling first (it writes these files)")
    }

    static func readNPZ(path: String, keys: [String]) throws -> [String: NPYArray] {
        try parseNPZ(FileByteSource.readAll(path: path, limit: maximumFileSize), path: path, keys: keys)
    }

    /// The named arrays of an NPZ held in memory (`name.npy` members).
    static func parseNPZ(_ bytes: [UInt8], path: String, keys: [String]) throws -> [String: NPYArray] {
        let archive = try ZipArchive(bytes: bytes, path: path)
        var arrays: [String: NPYArray] = [:]
        for key in keys {
            guard let member = archive.members.first(where: { $0.name == key + ".npy" }) else {
                let present = archive.members.map(\.name).joined(separator: ", ")
                throw PlannerIOError(path: path, message: "has no array \(key) (members: \(present))")
            }
            arrays[key] = try NPYArray.parse(archive.contents(of: member), name: key, path: path)
        }
        return arrays
    }

    static func assemble(prefill: (file: String, arrays: [String: NPYArray]),
                         decode: (file: String, arrays: [String: NPYArray])) throws -> PerformanceProfile {
        let p = try columns(prefill, keys: prefillKeys)
        let d = try columns(decode, keys: decodeKeys)
        guard let kv = decode.arrays["max_kv_tokens"] else {
            throw PlannerIOError(path: decode.file, message: "has no max_kv_tokens")
        }
        guard kv.values.count == 1 else {
            throw PlannerIOError(path: decode.file, message: "max_kv_tokens must hold one value, found \(kv.values.count)")
        }
        let maxKV = kv.values[0]
        guard maxKV.isFinite, maxKV >= 1, maxKV == maxKV.rounded(), maxKV < 9.0e15 else {
            throw PlannerIOError(path: decode.file, message: "max_kv_tokens must be a positive integer, found \(maxKV)")
        }
        return PerformanceProfile(
            prefill: PrefillProfile(isl: p[0], ttftMilliseconds: p[1], throughputPerGPU: p[2]),
            decode: DecodeProfile(kvUsage: d[0], contextLength: d[1], itlMilliseconds: d[2],
                                  throughputPerGPU: d[3], maxKVTokens: Int(maxKV)))
    }

    /// The arrays in `keys` order, checked: present, 1-D, equal non-zero lengths, finite.
    private static func columns(_ phase: (file: String, arrays: [String: NPYArray]), keys: [String]) throws -> [[Double]] {
        var out: [[Double]] = []
        for key in keys {
            guard let array = phase.arrays[key] else { throw PlannerIOError(path: phase.file, message: "has no array \(key)") }
            guard !array.isZeroDimensional else {
                throw PlannerIOError(path: phase.file, message: "array \(key) must be 1-D, found a scalar")
            }
            guard !array.values.isEmpty else { throw PlannerIOError(path: phase.file, message: "array \(key) is empty") }
            if let first = out.first, first.count != array.values.count {
                throw PlannerIOError(path: phase.file, message:
                    "array lengths disagree: \(keys[0]) has \(first.count) values, \(key) has \(array.values.count)")
            }
            if let bad = array.values.firstIndex(where: { !$0.isFinite }) {
                throw PlannerIOError(path: phase.file, message: "array \(key)[\(bad)] is \(array.values[bad]), not a finite number")
            }
            out.append(array.values)
        }
        return out
    }

    private static func isFile(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFREG
    }
}
