import Foundation
import TestPeers
import XCTest

/// Runs the built `planner` executable (.build/debug/planner, which
/// `swift build --build-tests` builds) as a subprocess, from the repository root.
enum PlannerProcess {
    struct Outcome {
        let status: Int32
        let stdout: String
        let stderr: String
        /// The non-empty lines written on stderr.
        var stderrLines: [String] { stderr.split(whereSeparator: \.isNewline).map(String.init) }
    }

    static let repositoryRoot: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    static var executable: URL { repositoryRoot.appendingPathComponent(".build/debug/planner") }

    static func requireExecutable() throws {
        guard FileManager.default.isExecutableFile(atPath: executable.path) else {
            throw TestPeers.missing("\(executable.path) is missing: run `swift build --build-tests` (it builds the planner executable) first")
        }
    }

    /// A started planner. Output goes to files, not pipes, so a chatty child can never block
    /// on a full pipe; the files are removed when this is released.
    final class Launched {
        let process = Process()
        let directory: URL

        /// `environment` is merged over the test's own; `unset` names variables the child must not see.
        init(_ arguments: [String], environment: [String: String]? = nil, unset: [String] = []) throws {
            directory = FileManager.default.temporaryDirectory.appendingPathComponent("planner-cli-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            FileManager.default.createFile(atPath: outURL.path, contents: nil)
            FileManager.default.createFile(atPath: errURL.path, contents: nil)
            let out = try FileHandle(forWritingTo: outURL), err = try FileHandle(forWritingTo: errURL)
            defer { try? out.close(); try? err.close() }
            process.executableURL = executable
            process.arguments = arguments
            process.currentDirectoryURL = repositoryRoot
            if environment != nil || !unset.isEmpty {
                var merged = ProcessInfo.processInfo.environment.merging(environment ?? [:]) { $1 }
                for name in unset { merged[name] = nil }
                process.environment = merged
            }
            process.standardInput = FileHandle.nullDevice
            process.standardOutput = out
            process.standardError = err
            try process.run()
        }

        deinit { try? FileManager.default.removeItem(at: directory) }

        private var outURL: URL { directory.appendingPathComponent("stdout") }
        private var errURL: URL { directory.appendingPathComponent("stderr") }
        var stdout: String { (try? String(contentsOf: outURL, encoding: .utf8)) ?? "" }
        var stderr: String { (try? String(contentsOf: errURL, encoding: .utf8)) ?? "" }
    }

    /// Runs the planner to its end; a child still running after `timeout` seconds is killed
    /// and the test fails.
    static func run(_ arguments: [String], timeout: TimeInterval = 120,
                    file: StaticString = #filePath, line: UInt = #line) throws -> Outcome {
        try requireExecutable()
        let launched = try Launched(arguments)
        let process = launched.process
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning && Date() < deadline { usleep(20_000) }
        if process.isRunning {
            process.terminate()
            process.waitUntilExit()
            XCTFail("planner \(arguments.joined(separator: " ")) still running after \(timeout) s; killed", file: file, line: line)
        }
        process.waitUntilExit()
        return Outcome(status: process.terminationStatus, stdout: launched.stdout, stderr: launched.stderr)
    }
}
