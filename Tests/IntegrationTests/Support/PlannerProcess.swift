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

    /// Output goes to files, not pipes, so a chatty child can never block on a full pipe;
    /// a child still running after `timeout` seconds is killed and the test fails.
    static func run(_ arguments: [String], timeout: TimeInterval = 120,
                    file: StaticString = #filePath, line: UInt = #line) throws -> Outcome {
        try requireExecutable()
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("planner-cli-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let outURL = directory.appendingPathComponent("stdout"), errURL = directory.appendingPathComponent("stderr")
        FileManager.default.createFile(atPath: outURL.path, contents: nil)
        FileManager.default.createFile(atPath: errURL.path, contents: nil)
        let out = try FileHandle(forWritingTo: outURL), err = try FileHandle(forWritingTo: errURL)
        defer { try? out.close(); try? err.close() }

        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        process.currentDirectoryURL = repositoryRoot
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning && Date() < deadline { usleep(20_000) }
        if process.isRunning {
            process.terminate()
            process.waitUntilExit()
            XCTFail("planner \(arguments.joined(separator: " ")) still running after \(timeout) s; killed", file: file, line: line)
        }
        process.waitUntilExit()
        return Outcome(status: process.terminationStatus,
                       stdout: (try? String(contentsOf: outURL, encoding: .utf8)) ?? "",
                       stderr: (try? String(contentsOf: errURL, encoding: .utf8)) ?? "")
    }
}
