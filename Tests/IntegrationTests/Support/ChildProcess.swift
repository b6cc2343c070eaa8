import Foundation
import XCTest
#if canImport(Glibc)
import Glibc
#endif

/// A program run by a test (the planner, a Dynamo peer script) with its output in files (a
/// chatty child never blocks on a full pipe), killed in the test's teardown whatever happens.
final class ChildProcess: @unchecked Sendable {
    let process = Process()
    let stdout: URL
    let stderr: URL

    init(_ executable: String, _ arguments: [String], environment: [String: String], directory: URL,
         for test: XCTestCase) throws {
        let tag = UUID().uuidString.prefix(6)
        stdout = directory.appendingPathComponent("stdout-\(tag)")
        stderr = directory.appendingPathComponent("stderr-\(tag)")
        FileManager.default.createFile(atPath: stdout.path, contents: nil)
        FileManager.default.createFile(atPath: stderr.path, contents: nil)
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.environment = environment
        process.currentDirectoryURL = PlannerProcess.repositoryRoot
        process.standardOutput = try FileHandle(forWritingTo: stdout)
        process.standardError = try FileHandle(forWritingTo: stderr)
        process.standardInput = FileHandle.nullDevice
        try process.run()
        test.addTeardownBlock { [self] in kill() }
    }

    var output: String { (try? String(contentsOf: stdout, encoding: .utf8)) ?? "" }
    var errors: String { (try? String(contentsOf: stderr, encoding: .utf8)) ?? "" }
    var outputLines: [String] { output.split(separator: "\n").map(String.init) }

    func kill() {
        if process.isRunning {
            Glibc.kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
    }

    /// Waits for the exit; nil if still running after `seconds`.
    func exitStatus(within seconds: Double) async throws -> Int32? {
        let deadline = Date().addingTimeInterval(seconds)
        while process.isRunning && Date() < deadline { try await Task.sleep(nanoseconds: 50_000_000) }
        return process.isRunning ? nil : process.terminationStatus
    }

    /// Waits until stdout has a line containing `text`; false after `seconds` or when the child exits first.
    func waitForOutput(_ text: String, within seconds: Double) async throws -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if output.contains(text) { return true }
            if !process.isRunning { return output.contains(text) }
            try await Task.sleep(nanoseconds: 50_000_000)
        }
        return false
    }
}
