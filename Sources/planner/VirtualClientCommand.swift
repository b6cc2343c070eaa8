import ArgumentParser
import Connectors
import Foundation
import Logging
import PlannerCore

struct VirtualClientCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "virtual-client",
        abstract: "The environment side of the virtual (etcd) connector.",
        discussion: """
        Waits for each new scaling decision under v1/NS/planner/ in etcd, runs COMMAND (if given) \
        through /bin/sh -c with NUM_PREFILL_WORKERS, NUM_DECODE_WORKERS and DECISION_ID in its \
        environment, and acknowledges the decision when the command exits 0. A failing command \
        is reported and its decision is not acknowledged. etcd endpoints come from ETCD_ENDPOINTS \
        (comma-separated, default http://localhost:2379); while etcd is unreachable the client \
        reports it and retries. SIGINT/SIGTERM end it with status 0 (a decision whose command is \
        still running stays unacknowledged). Credentials: the --etcd-* flags, or Dynamo's \
        ETCD_AUTH_USERNAME and ETCD_AUTH_PASSWORD, else ETCD_AUTH_CA, ETCD_AUTH_CLIENT_CERT and \
        ETCD_AUTH_CLIENT_KEY; a credential, certificate or permission problem ends the client with \
        one error.
        """
    )

    @Option(help: "Planner namespace (env DYN_NAMESPACE).")
    var namespace: String = ProcessInfo.processInfo.environment["DYN_NAMESPACE"] ?? "dynamo"

    @Option(name: .customLong("exec"),
            help: ArgumentHelp("Shell command that applies a decision; exit 0 acknowledges it. A failed decision is not retried: the next decision is awaited.",
                               valueName: "command"))
    var command: String?

    @Flag(help: "Handle one decision, then exit (non-zero if its command failed).")
    var once = false

    @Option(help: "Seconds between attempts while etcd is unreachable.")
    var retryInterval: Double = 2

    @OptionGroup(title: "etcd credentials") var etcd: EtcdOptions

    func validate() throws {
        try NumericFlag.check("--retry-interval", retryInterval, PlannerLimits.waitSeconds)
    }

    func run() async throws {
        LoggingSystem.bootstrap { StreamLogHandler.standardError(label: $0) }
        let endpoints: EtcdEndpoints
        let client: VirtualConnectorClient
        do {
            // One pass over the endpoints per attempt: this loop does the retrying, and reports each.
            let etcdClient = try etcd.client(configuration: EtcdClientConfiguration(retryRounds: 1),
                                             logger: Logger(label: "planner.etcd"),
                                             warn: { Self.report("virtual-client: warning: \($0)") })
            endpoints = etcdClient.endpoints
            client = try VirtualConnectorClient(client: etcdClient, namespace: namespace)
        } catch {
            throw VirtualClientError(message: "\(error)")
        }
        // Line-buffered stdout: an orchestrator reading our output through a pipe sees each
        // decision as it happens.
        setvbuf(stdout, nil, _IOLBF, 0)
        let signals = RunCommand.onTerminationSignals {
            Self.report("virtual-client: stopped by signal")
            Foundation.exit(0)
        }
        defer { signals.forEach { $0.cancel() } }
        print("virtual-client: watching \(client.keys.prefix) on \(endpoints)")
        var failedDecision: Int?
        while true {
            do {
                let decision = try await client.get()
                if decision.isPending && decision.decisionId != failedDecision {
                    if try await apply(decision, client: client) {
                        if once { return }
                    } else {
                        failedDecision = decision.decisionId
                        if once { throw ExitCode(1) }
                    }
                    continue  // a newer decision may have arrived meanwhile
                }
                try await client.wait()
            } catch let error as EtcdError {
                // Wrong credentials, certificates or permissions stay wrong: one error, not a loop.
                if error.isConfigurationProblem { throw VirtualClientError(message: "\(error)") }
                Self.report("virtual-client: \(error); retrying in \(retryInterval) s")
                try await Task.sleep(nanoseconds: UInt64(CheckedNumber.nanoseconds(seconds: retryInterval)))
            }
        }
    }

    /// Runs the command for `decision`; acknowledges and returns true on exit status 0.
    private func apply(_ decision: VirtualScalingDecision, client: VirtualConnectorClient) async throws -> Bool {
        print("decision \(decision.decisionId): prefill \(decision.numPrefillWorkers), decode \(decision.numDecodeWorkers)")
        if let command {
            let status: Int32
            do {
                status = try await Self.runShell(command, decision: decision)
            } catch {
                Self.report("virtual-client: could not start /bin/sh for decision \(decision.decisionId): \(error)")
                return false
            }
            guard status == 0 else {
                Self.report("virtual-client: command exited with status \(status) for decision \(decision.decisionId); not acknowledged")
                return false
            }
        }
        try await client.complete(decision)
        print("acknowledged decision \(decision.decisionId)")
        return true
    }

    static func runShell(_ command: String, decision: VirtualScalingDecision) async throws -> Int32 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", command]
        var environment = ProcessInfo.processInfo.environment
        environment["NUM_PREFILL_WORKERS"] = String(decision.numPrefillWorkers)
        environment["NUM_DECODE_WORKERS"] = String(decision.numDecodeWorkers)
        environment["DECISION_ID"] = String(decision.decisionId)
        process.environment = environment
        return try await withCheckedThrowingContinuation { continuation in
            process.terminationHandler = { continuation.resume(returning: $0.terminationStatus) }
            do { try process.run() } catch {
                process.terminationHandler = nil
                continuation.resume(throwing: error)
            }
        }
    }

    static func report(_ line: String) {
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }
}

/// A start-up failure: ArgumentParser prints it as one `Error:` line and exits non-zero.
struct VirtualClientError: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}
