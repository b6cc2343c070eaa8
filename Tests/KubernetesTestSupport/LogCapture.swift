import Foundation
import Logging

/// Collects log lines in memory, so a test can count warnings.
public final class LogCapture: @unchecked Sendable {
    public struct Line: Sendable {
        public var level: Logger.Level
        public var message: String
    }

    private let lock = NSLock()
    private var stored: [Line] = []

    public init() {}

    public var lines: [Line] { lock.withLock { stored } }

    /// Lines at `level` or above whose message contains `text` (case-insensitively).
    public func count(_ text: String, atLeast level: Logger.Level = .warning) -> Int {
        lines.filter { $0.level >= level && $0.message.lowercased().contains(text.lowercased()) }.count
    }

    public func logger(label: String = "test") -> Logger {
        Logger(label: label) { _ in Handler(capture: self) }
    }

    fileprivate func append(_ line: Line) { lock.withLock { stored.append(line) } }

    private struct Handler: LogHandler {
        let capture: LogCapture
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .trace

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(level: Logger.Level, message: Logger.Message, metadata: Logger.Metadata?,
                 source: String, file: String, function: String, line: UInt) {
            let all = self.metadata.merging(metadata ?? [:]) { $1 }
            let suffix = all.isEmpty ? "" : " " + all.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
            capture.append(Line(level: level, message: "\(message)\(suffix)"))
        }
    }
}
