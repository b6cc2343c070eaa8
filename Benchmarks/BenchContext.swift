import Foundation

/// Options and helpers shared by every benchmark suite.
struct BenchContext {
    var suites: [String] = []
    /// Python interpreter with the reference's libraries; nil skips the comparison.
    var python: String?
    /// The reference script (ref_planner.py).
    var reference = "tools/ref_planner.py"
    /// Python with Dynamo 1.6.1 installed (the `replay` suite times its mocker side by side).
    var dynamoPython: String?
    /// Fewer repetitions and smaller inputs (smoke run).
    var quick = false
    /// Deployments of the `fleet` suite (`--deployments N`).
    var deployments = 10_000
    /// How the `fleet` suite talks to etcd (`--fleet-etcd batched|per-deployment`): one
    /// `FleetVirtualConnector` for all, or one `VirtualConnector` call per deployment.
    var fleetEtcd = "batched"
    /// Where generated inputs go.
    var scratchDirectory = FileManager.default.temporaryDirectory.appendingPathComponent("planner-bench").path

    init(arguments: [String]) {
        var i = 0
        while i < arguments.count {
            let a = arguments[i]
            switch a {
            case "--python" where i + 1 < arguments.count: python = arguments[i + 1]; i += 1
            case "--reference" where i + 1 < arguments.count: reference = arguments[i + 1]; i += 1
            case "--dynamo-python" where i + 1 < arguments.count: dynamoPython = arguments[i + 1]; i += 1
            case "--quick": quick = true
            case "--fleet-etcd" where i + 1 < arguments.count: fleetEtcd = arguments[i + 1]; i += 1
            case "--deployments" where i + 1 < arguments.count: deployments = max(1, Int(arguments[i + 1]) ?? deployments); i += 1
            default: suites.append(a)
            }
            i += 1
        }
        try? FileManager.default.createDirectory(atPath: scratchDirectory, withIntermediateDirectories: true)
    }

    /// Seconds per call of `body`, the best of `repeats` runs of `iterations` calls.
    func time(iterations: Int = 1, repeats: Int = 3, _ body: () throws -> Void) rethrows -> Double {
        var best = Double.infinity
        for _ in 0..<max(1, repeats) {
            let start = DispatchTime.now().uptimeNanoseconds
            for _ in 0..<max(1, iterations) { try body() }
            let elapsed = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
            best = min(best, elapsed / Double(max(1, iterations)))
        }
        return best
    }

    /// Runs a Python snippet (or script with arguments) with the reference's
    /// interpreter and returns its stdout; nil when no interpreter was given.
    func runPython(_ arguments: [String], interpreter: String? = nil) throws -> String? {
        guard let python = interpreter ?? python else { return nil }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = arguments
        let out = Pipe()
        process.standardOutput = out
        try process.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(decoding: data, as: UTF8.self)
    }

    /// Prints one comparison row: our time, the reference's, and the ratio.
    func report(_ label: String, ours: Double, reference: Double?, unit: String = "s") {
        let o = Self.format(ours)
        if let reference, reference > 0 {
            print("\(label): \(o) vs reference \(Self.format(reference)) → \(String(format: "%.1f", reference / ours))× faster")
        } else {
            print("\(label): \(o)")
        }
    }

    static func format(_ seconds: Double) -> String {
        if seconds < 1e-6 { return String(format: "%.1f ns", seconds * 1e9) }
        if seconds < 1e-3 { return String(format: "%.2f µs", seconds * 1e6) }
        if seconds < 1 { return String(format: "%.2f ms", seconds * 1e3) }
        return String(format: "%.3f s", seconds)
    }
}
