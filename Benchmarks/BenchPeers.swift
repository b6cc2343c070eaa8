import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// prometheus and etcd as child processes on loopback for the `fleet` suite,
/// each in its own scratch directory, killed when the suite ends.
final class BenchPeer {
    let process = Process()
    let directory: URL
    let url: String

    private init(directory: URL, url: String) {
        self.directory = directory
        self.url = url
    }

    struct Missing: Error, CustomStringConvertible {
        var program: String
        var description: String { "\(program) is not on PATH (apt-get install \(program == "etcd" ? "etcd-server" : program))" }
    }

    static func locate(_ program: String) -> String? {
        for dir in (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin").split(separator: ":") {
            let path = "\(dir)/\(program)"
            if FileManager.default.isExecutableFile(atPath: path) { return path }
        }
        return nil
    }

    /// A port the kernel just handed out on 127.0.0.1 (bound, read, released).
    static func freePort() -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) }
        }
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    private static func launch(_ program: String, arguments: (URL, Int) -> [String], scratch: String) throws -> BenchPeer {
        guard let path = locate(program) else { throw Missing(program: program) }
        let directory = URL(fileURLWithPath: scratch).appendingPathComponent("\(program)-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let port = freePort()
        let peer = BenchPeer(directory: directory, url: "http://127.0.0.1:\(port)")
        peer.process.executableURL = URL(fileURLWithPath: path)
        peer.process.arguments = arguments(directory, port)
        let log = directory.appendingPathComponent("log")
        FileManager.default.createFile(atPath: log.path, contents: nil)
        let handle = try FileHandle(forWritingTo: log)
        peer.process.standardOutput = handle
        peer.process.standardError = handle
        try peer.process.run()
        return peer
    }

    /// Prometheus scraping `target` (host:port) every `scrapeSeconds`.
    static func prometheus(target: String, scrapeSeconds: Int, scratch: String) throws -> BenchPeer {
        try launch("prometheus", arguments: { dir, port in
            let config = dir.appendingPathComponent("prometheus.yml")
            let text = """
            global:
              scrape_interval: \(scrapeSeconds)s
              scrape_timeout: \(scrapeSeconds)s
            scrape_configs:
              - job_name: generator
                static_configs:
                  - targets: ['\(target)']
            """
            try? text.write(to: config, atomically: true, encoding: .utf8)
            return ["--config.file=\(config.path)", "--storage.tsdb.path=\(dir.appendingPathComponent("data").path)",
                    "--web.listen-address=127.0.0.1:\(port)"]
        }, scratch: scratch)
    }

    static func etcd(scratch: String) throws -> BenchPeer {
        let peerPort = freePort()
        return try launch("etcd", arguments: { dir, port in
            ["--data-dir", dir.appendingPathComponent("data").path,
             "--listen-client-urls", "http://127.0.0.1:\(port)", "--advertise-client-urls", "http://127.0.0.1:\(port)",
             "--listen-peer-urls", "http://127.0.0.1:\(peerPort)", "--initial-advertise-peer-urls", "http://127.0.0.1:\(peerPort)",
             "--initial-cluster", "default=http://127.0.0.1:\(peerPort)"]
        }, scratch: scratch)
    }

    /// CPU seconds the peer has used so far (user + system, from /proc); NaN when unreadable.
    var cpuSeconds: Double {
        guard let text = try? String(contentsOfFile: "/proc/\(process.processIdentifier)/stat", encoding: .utf8),
              let close = text.lastIndex(of: ")") else { return .nan }
        // Fields after "(comm)": state is field 3, utime 14 and stime 15.
        let fields = text[text.index(after: close)...].split(separator: " ")
        guard fields.count > 12, let user = Double(fields[11]), let system = Double(fields[12]) else { return .nan }
        return (user + system) / Double(sysconf(Int32(_SC_CLK_TCK)))
    }

    func stop() {
        if process.isRunning {
            process.terminate()
            process.waitUntilExit()
        }
        try? FileManager.default.removeItem(at: directory)
    }
}
