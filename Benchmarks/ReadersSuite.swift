import Foundation
import PlannerCore
import PlannerIO

/// Readers: trace extraction throughput on a generated Mooncake-style JSONL
/// (≥ 500,000 requests with hash_ids arrays like the real trace) and profiles
/// loaded per second in bulk (1,000 directories, NPZ and JSON mixed) — beside
/// the reference's json-based `extract` and numpy `load_profile` in the same run.
enum ReadersSuite {
    static let profiles = ["data/profiles/h200_llama8b_tp1", "Tests/Fixtures/profiles/h100_qwen32b_tp2"]

    static func run(_ context: BenchContext) throws {
        try traces(context)
        try bulkProfiles(context)
    }

    // MARK: traces

    /// Deterministic (SplitMix64) trace: ~20 ms between requests, ISL 200–30,000,
    /// one hash id per 512 input tokens as in Mooncake's block hashing.
    static func generateTrace(path: String, requests: Int) throws {
        guard let file = fopen(path, "w") else { throw PlannerIOError(path: path, message: "cannot create") }
        defer { fclose(file) }
        var state: UInt64 = 42
        func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        var timestamp = 0
        var hash = 0
        var line = ""
        line.reserveCapacity(1 << 12)
        for _ in 0..<requests {
            timestamp += Int(next() % 41)
            let isl = 200 + Int(next() % 29_800), osl = 1 + Int(next() % 1_000)
            line = "{\"timestamp\": \(timestamp), \"input_length\": \(isl), \"output_length\": \(osl), \"hash_ids\": ["
            for k in 0..<max(1, isl / 512) {
                if k > 0 { line += ", " }
                // Shared prefixes reuse small ids, fresh blocks take new ones.
                if k < 3 && next() % 2 == 0 { line += String(k) } else { hash += 1; line += String(hash) }
            }
            line += "]}\n"
            fputs(line, file)
        }
    }

    static func traces(_ context: BenchContext) throws {
        let requests = context.quick ? 60_000 : 600_000
        let path = context.scratchDirectory + "/readers-mooncake-\(requests).jsonl"
        if !FileManager.default.fileExists(atPath: path) { try generateTrace(path: path, requests: requests) }
        let bytes = Double((try FileManager.default.attributesOfItem(atPath: path)[.size] as? NSNumber)?.intValue ?? 0)
        print("-- trace \(path): \(requests) requests, \(String(format: "%.1f", bytes / 1e6)) MB")
        var intervals: [IntervalMetrics] = []
        let seconds = try context.time(repeats: context.quick ? 2 : 5) {
            intervals = try TraceReader.extractIntervals(from: path, intervalSeconds: 60)
        }
        let count = intervals.reduce(0) { $0 + $1.requestCount }
        print(String(format: "extract (60 s intervals): %.0f MB/s, %.2f M requests/s, %d intervals, %d requests",
                     bytes / seconds / 1e6, Double(count) / seconds / 1e6, intervals.count, count))
        var reference: Double?
        let script = """
            import sys, time, os
            sys.path.insert(0, os.path.dirname(os.path.abspath(sys.argv[1])))
            import ref_planner
            t = time.perf_counter(); m = ref_planner.extract(sys.argv[2], 60); t = time.perf_counter() - t
            print(t, len(m), sum(r["request_count"] for r in m))
            """
        if let out = try context.runPython(["-c", script, context.reference, path]) {
            let fields = out.split(separator: " ").map { String($0).trimmingCharacters(in: .whitespacesAndNewlines) }
            if fields.count == 3, let t = Double(fields[0]) {
                reference = t
                print(String(format: "reference extract (json.loads per line): %.1f MB/s, %@ intervals, %@ requests%@",
                             bytes / t / 1e6, fields[1], fields[2],
                             fields[1] == "\(intervals.count)" && fields[2] == "\(count)" ? " (same as ours)" : " (DIFFERENT from ours)"))
            } else {
                print("reference extract failed: \(out)")
            }
        }
        context.report("extract \(requests) requests", ours: seconds, reference: reference)
    }

    // MARK: profiles

    /// 1,000 directories cycling through: h200 JSON only, h100 NPZ (deflated) only,
    /// h200 NPZ (stored) + JSON, h100 JSON only.
    static func makeProfileDirectories(root: String, count: Int) throws -> [String] {
        let fm = FileManager.default
        var dirs: [String] = []
        for i in 0..<count {
            let dir = String(format: "%@/p%04d", root, i)
            dirs.append(dir)
            if fm.fileExists(atPath: dir) { continue }
            let source = profiles[i % 2]
            let npz = i % 4 == 1 || i % 4 == 2
            let json = i % 4 != 1
            for phase in ["prefill", "decode"] {
                if npz {
                    let sub = "selected_\(phase)_interpolation"
                    try fm.createDirectory(atPath: "\(dir)/\(sub)", withIntermediateDirectories: true)
                    try fm.copyItem(atPath: "\(source)/\(sub)/raw_data.npz", toPath: "\(dir)/\(sub)/raw_data.npz")
                }
                if json {
                    try fm.createDirectory(atPath: dir, withIntermediateDirectories: true)
                    try fm.copyItem(atPath: "\(source)/\(phase)_raw_data.json", toPath: "\(dir)/\(phase)_raw_data.json")
                }
            }
        }
        return dirs
    }

    static func bulkProfiles(_ context: BenchContext) throws {
        let count = 1_000
        let root = context.scratchDirectory + "/readers-profiles"
        let dirs = try makeProfileDirectories(root: root, count: count)
        print("-- \(count) profile directories under \(root) (NPZ stored/deflated and JSON mixed)")
        var failures = 0
        let concurrent = context.time(repeats: context.quick ? 2 : 5) {
            failures = ProfileLoader.loadMany(directories: dirs).filter { if case .failure = $0 { return true }; return false }.count
        }
        let sequential = try context.time(repeats: context.quick ? 1 : 3) {
            for dir in dirs { _ = try ProfileLoader.load(directory: dir) }
        }
        print(String(format: "loadMany: %.0f profiles/s (%d failures); one by one: %.0f profiles/s",
                     Double(count) / concurrent, failures, Double(count) / sequential))
        let script = """
            import sys, time, os
            sys.path.insert(0, os.path.dirname(os.path.abspath(sys.argv[1])))
            import ref_planner
            dirs = sorted(os.path.join(sys.argv[2], d) for d in os.listdir(sys.argv[2]))
            t = time.perf_counter()
            for d in dirs: ref_planner.load_profile(d)
            print(time.perf_counter() - t)
            """
        var reference: Double?
        if let out = try context.runPython(["-c", script, context.reference, root]),
           let t = Double(out.trimmingCharacters(in: .whitespacesAndNewlines)) {
            reference = t
            print(String(format: "reference load_profile (np.load / json): %.0f profiles/s", Double(count) / t))
        }
        context.report("load \(count) profiles", ours: concurrent, reference: reference)
    }
}
