import Foundation
import XCTest
#if canImport(Glibc)
import Glibc
#endif

/// Runs every `planner` command of README.md's shell blocks, as written, from the
/// repository root against the bundled data, so an example cannot drift from the
/// program. What each sub-command needs (a local etcd, a local Prometheus, a stop
/// after a few seconds for the live loops) comes from `needs`; a sub-command the
/// table does not know fails until its row is added. Local stand-ins replace only
/// the peers' addresses (ETCD_ENDPOINTS, --metric-pulling-prometheus-endpoint) and
/// `out/...` output paths (a scratch directory); every other word runs unchanged.
final class ReadmeCommandTests: XCTestCase {
    struct Needs {
        var etcd = false
        var prometheus = false
        /// A live loop: SIGTERM after this many seconds, then a clean exit 0.
        var stopAfterSeconds: Double? = nil
    }

    /// One row per sub-command README uses.
    static let needs: [String: Needs] = [
        "dryrun": Needs(),
        "predict": Needs(),
        "interpolate": Needs(),
        "run": Needs(etcd: true, prometheus: true, stopAfterSeconds: 4),
        "virtual-client": Needs(etcd: true, stopAfterSeconds: 3),
    ]
    /// Time limit of a command that runs to completion, and of a live loop's stop.
    static let completionLimitSeconds: Double = 300
    static let stopLimitSeconds: Double = 15

    func testEveryReadmeCommandRunsAsWritten() async throws {
        try PlannerProcess.requireExecutable()
        let readme = PlannerProcess.repositoryRoot.appendingPathComponent("README.md")
        let commands = try ReadmeCommand.extract(from: String(contentsOf: readme, encoding: .utf8))
        XCTAssertFalse(commands.isEmpty, "README.md has planner commands in ```sh blocks")
        let scratch = try ManagedProcess.scratchDirectory(prefix: "planner-readme")
        addTeardownBlock { try? FileManager.default.removeItem(at: scratch) }
        for (index, command) in commands.enumerated() {
            guard let need = Self.needs[command.subcommand] else {
                XCTFail("\(command): ReadmeCommandTests.needs has no row for `\(command.subcommand)`; add what it needs")
                continue
            }
            // Fresh peers per command: one example's decisions must not reach the next.
            var etcd: EtcdProcess?, prometheus: PrometheusProcess?
            if need.etcd { try EtcdProcess.requireInstalled(); etcd = try await EtcdProcess.startSingle() }
            if need.prometheus {
                try PrometheusProcess.requireInstalled()
                prometheus = try await PrometheusProcess.start(targets: ["nothing": "127.0.0.1:1"])
            }
            defer { etcd?.kill(); prometheus?.kill() }
            let directory = scratch.appendingPathComponent("command-\(index)")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            var environment = ProcessInfo.processInfo.environment
            for (name, value) in command.environment {
                environment[name] = name == "ETCD_ENDPOINTS" ? (etcd?.clientURL ?? value) : value
            }
            environment["PLANNER_PROMETHEUS_PORT"] = String(try ManagedProcess.freePort())
            let arguments = localised(command.arguments, outputs: directory, prometheus: prometheus?.url)
            try await run(command, arguments: arguments, environment: environment, need: need, logs: directory)
        }
    }

    /// `out/...` paths into the scratch directory, the Prometheus endpoint to the local one.
    private func localised(_ words: [String], outputs: URL, prometheus: String?) -> [String] {
        let flag = "--metric-pulling-prometheus-endpoint"
        var result: [String] = []
        for word in words {
            if let url = prometheus, result.last == flag { result.append(url); continue }
            if let url = prometheus, word.hasPrefix(flag + "=") { result.append("\(flag)=\(url)"); continue }
            result.append(word.hasPrefix("out/") ? outputs.appendingPathComponent(word).path : word)
        }
        return result
    }

    private func run(_ command: ReadmeCommand, arguments: [String], environment: [String: String],
                     need: Needs, logs: URL) async throws {
        let outURL = logs.appendingPathComponent("stdout"), errURL = logs.appendingPathComponent("stderr")
        FileManager.default.createFile(atPath: outURL.path, contents: nil)
        FileManager.default.createFile(atPath: errURL.path, contents: nil)
        let out = try FileHandle(forWritingTo: outURL), err = try FileHandle(forWritingTo: errURL)
        defer { try? out.close(); try? err.close() }
        let process = Process()
        process.executableURL = PlannerProcess.executable
        process.arguments = arguments
        process.environment = environment
        process.currentDirectoryURL = PlannerProcess.repositoryRoot
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = out
        process.standardError = err
        try process.run()
        var stopped = false
        if let seconds = need.stopAfterSeconds {
            try await Task.sleep(nanoseconds: UInt64(seconds * 1e9))
            if process.isRunning { kill(process.processIdentifier, SIGTERM); stopped = true }
        }
        let limit = stopped ? Self.stopLimitSeconds : Self.completionLimitSeconds
        let deadline = Date().addingTimeInterval(limit)
        while process.isRunning && Date() < deadline { try await Task.sleep(nanoseconds: 50_000_000) }
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            XCTFail("\(command): still running \(limit) s after \(stopped ? "SIGTERM" : "its start"); killed")
            return
        }
        let stderr = (try? String(contentsOf: errURL, encoding: .utf8)) ?? ""
        XCTAssertEqual(process.terminationReason, .exit, "\(command): ended by a signal\n\(stderr)")
        XCTAssertEqual(process.terminationStatus, 0, "\(command)\n\(stderr)")
    }
}
