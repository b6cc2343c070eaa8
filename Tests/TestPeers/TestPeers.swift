import Foundation
import XCTest

/// The programs tests run as real peers (etcd, Prometheus, openssl,
/// rsvg-convert, the built planner), found on `PATH`, and what their absence
/// means: a skip on a developer's machine that lacks them, a failure under
/// `CI=true`, where `scripts/install-deps.sh` has installed every one and a
/// skip would let a test pass without running.
public enum TestPeers {
    /// True when the environment says this is CI (`CI=true` or `CI=1`).
    public static var underCI: Bool {
        let value = (ProcessInfo.processInfo.environment["CI"] ?? "").lowercased()
        return value == "true" || value == "1"
    }

    /// The first executable called `program` in the directories of `PATH`, or nil.
    public static func locate(_ program: String,
                              environment: [String: String] = ProcessInfo.processInfo.environment) -> String? {
        let path = environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        for directory in path.split(separator: ":", omittingEmptySubsequences: true) {
            let candidate = "\(directory)/\(program)"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }

    /// The path of `program` on `PATH`; when it is not there, throws `missing(...)`
    /// naming the Debian package that provides it.
    @discardableResult
    public static func require(_ program: String, package: String) throws -> String {
        guard let path = locate(program) else {
            throw missing("\(program) is not on PATH (Debian package \(package); ./scripts/install-deps.sh installs it)")
        }
        return path
    }

    /// What a test throws when a peer it needs is absent: `XCTSkip` on a
    /// developer's machine, `MissingPeer` (recorded as a failure) under CI.
    public static func missing(_ reason: String) -> Error {
        underCI ? MissingPeer(reason: reason) : XCTSkip(reason)
    }
}

/// A peer a test needs is absent under `CI=true`: the test fails with this.
public struct MissingPeer: Error, CustomStringConvertible {
    public let reason: String
    public init(reason: String) { self.reason = reason }
    public var description: String { "missing test peer under CI=true: \(reason)" }
}
