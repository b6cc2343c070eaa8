import Foundation
import PropertyBased
import Testing

/// Issue 11: every numeric flag of every sub-command of the built `planner`, given the
/// extreme values below (and random numbers), one flag at a time with the rest valid, exits
/// below 128, and says why on stderr when it refuses. The flags are discovered from
/// `planner --experimental-dump-help` (an option whose default is a number), so a new flag
/// or sub-command is covered without editing this file.
@Suite(.serialized) struct NumericFlagPropertyTests {
    static let extremeValues = ["0", "-1", "1", "2147483648", "9007199254740993", "4611686018427387904",
                                "9223372036854775807", "1e19", "1e308", "inf", "-inf", "nan", "1e-320"]

    @Test func everyNumericFlagSurvivesEveryExtremeValue() throws {
        let flags = try FlagCase.discover()
        #expect(flags.count >= 30, "expected the numeric flags of dryrun, predict, interpolate, run and virtual-client")
        let cases = flags.flatMap { flag in Self.extremeValues.map { flag.with(value: $0) } }
        let outcomes = FlagRunner.runAll(cases)
        for (c, outcome) in zip(cases, outcomes) { c.check(outcome) }
        let bySubcommand = Dictionary(zip(cases, outcomes).map { ($0.0.subcommand, $0.1.seconds) }, uniquingKeysWith: +)
        print("process-seconds per sub-command: \(bySubcommand.mapValues { Int($0) })")
        let slowest = zip(cases, outcomes).sorted { $0.1.seconds > $1.1.seconds }.prefix(5)
        print("\(cases.count) cases; slowest: " + slowest.map { "\($0.0.flag)=\($0.0.value) (\($0.0.subcommand)) \(Int($0.1.seconds * 1000)) ms" }.joined(separator: ", "))
    }

    /// Random numbers over the whole Int and Double ranges (as decimal or exponent text),
    /// in batches run side by side.
    @Test func randomNumbersInEveryNumericFlag() async throws {
        let flags = try FlagCase.discover()
        // An Int, any Double bit pattern, or a power of ten from 1e-400 to 1e400.
        let number = zip(Gen.int(in: 0...2), Gen.int(), Gen.uint64(), Gen.int(in: -400...400)).map { kind, i, bits, e in
            [String(i), String(Double(bitPattern: bits)), "1e\(e)"][kind]
        }
        let batch = zip(Gen.int(in: 0...(flags.count - 1)), number).array(of: 32)
        await propertyCheck(count: 2, input: batch) { picks in
            let cases = picks.map { flags[$0.0].with(value: $0.1) }
            for (c, outcome) in zip(cases, FlagRunner.runAll(cases)) { c.check(outcome) }
        }
    }
}

/// One numeric flag of one sub-command, with the arguments that make the rest valid.
struct FlagCase: Sendable {
    var subcommand: String
    var flag: String
    var value = ""

    func with(value: String) -> FlagCase {
        var c = self
        c.value = value
        return c
    }

    /// Commands that serve until stopped: stopped with SIGTERM after a few seconds.
    var isLongRunning: Bool { ["run", "virtual-client"].contains(subcommand) }

    /// Valid arguments per sub-command: short inputs, unreachable peers on loopback port 9
    /// (nothing listens there), a coarse decode grid. Sub-commands not listed run with their
    /// defaults (still covered; add an entry to keep them fast).
    static let baseArguments: [String: [String]] = [
        "dryrun": ["--dataset", "Tests/Fixtures/traces/tiny_mooncake.jsonl", "--resolution", "10",
                   "--load-predictor", "constant"],
        "predict": ["--dataset", "Tests/Fixtures/traces/tiny_mooncake.jsonl", "--load-predictor", "constant"],
        "interpolate": ["--resolution", "10"],
        "run": ["--environment", "virtual", "--model-name", "m", "--max-intervals", "1", "--adjustment-interval", "1",
                "--metric-pulling-prometheus-endpoint", "http://127.0.0.1:9", "--resolution", "10",
                "--load-predictor", "constant"],
        "virtual-client": ["--once"],
        "replay": ["--dataset", "Tests/Fixtures/replay/mixed.jsonl", "--perf-model", "mocker", "--resolution", "10",
                   "--load-predictor", "constant", "--adjustment-interval", "10"],
    ]
    static let environment = ["ETCD_ENDPOINTS": "http://127.0.0.1:9"]

    /// The arguments of this case: the base with this flag's own entry (and a predictor the
    /// flag configures) replaced, then `--flag=value` (so "-1" is not read as a flag).
    var arguments: [String] {
        var base = Self.baseArguments[subcommand] ?? []
        func drop(_ option: String) {
            if let i = base.firstIndex(of: option), i + 1 < base.count { base.removeSubrange(i...(i + 1)) }
        }
        drop(flag)
        for (prefix, predictor) in [("--kalman-", "kalman"), ("--prophet-", "prophet")] where flag.hasPrefix(prefix) {
            drop("--load-predictor")
            base += ["--load-predictor", predictor]
        }
        return [subcommand] + base + ["\(flag)=\(value)"]
    }

    var commandLine: String { "planner " + arguments.joined(separator: " ") }

    func check(_ outcome: FlagRunner.Outcome) {
        if let signal = outcome.signal {
            #expect(outcome.stoppedByTest && signal == SIGTERM,
                    "\(commandLine) died of signal \(signal): \(outcome.stderr.suffix(300))")
            return
        }
        #expect(outcome.status < 128, "\(commandLine) exited \(outcome.status): \(outcome.stderr.suffix(300))")
        if outcome.status != 0 {
            #expect(!outcome.stderrLines.isEmpty, "\(commandLine) exited \(outcome.status) without a message")
        }
        // A refused flag value (exit 64, before any work) is one line naming the flag.
        if outcome.status == 64 {
            #expect(outcome.stderrLines.count == 1 && outcome.stderr.contains(flag),
                    "\(commandLine): expected one line naming \(flag), got: \(outcome.stderr)")
        }
    }

    /// Every option of every sub-command whose default value is a number.
    static func discover() throws -> [FlagCase] {
        let help = try FlagRunner.run(FlagCase(subcommand: "--experimental-dump-help", flag: ""), rawArguments: true)
        let root = try #require(try JSONSerialization.jsonObject(with: Data(help.stdout.utf8)) as? [String: Any])
        let command = try #require(root["command"] as? [String: Any])
        var cases: [FlagCase] = []
        for sub in command["subcommands"] as? [[String: Any]] ?? [] {
            guard let name = sub["commandName"] as? String, name != "help" else { continue }
            for argument in sub["arguments"] as? [[String: Any]] ?? [] where argument["kind"] as? String == "option" {
                guard let defaultValue = argument["defaultValue"] as? String, Double(defaultValue) != nil,
                      let names = argument["names"] as? [[String: Any]],
                      let long = names.first(where: { $0["kind"] as? String == "long" })?["name"] as? String
                else { continue }
                cases.append(FlagCase(subcommand: name, flag: "--" + long))
            }
        }
        return cases
    }
}

/// Runs `planner` cases as subprocesses, a few side by side (threads, not the 2-thread
/// cooperative pool), with output in files so a chatty child never blocks on a pipe.
enum FlagRunner {
    struct Outcome: Sendable {
        var status: Int32 = 0
        /// The signal that ended the process, if one did.
        var signal: Int32?
        /// True when the test sent SIGTERM because a long-running command was still running.
        var stoppedByTest = false
        var stdout = ""
        var stderr = ""
        var seconds = 0.0
        var stderrLines: [String] { stderr.split(whereSeparator: \.isNewline).map(String.init) }
    }

    static let parallelism = 4
    static let longRunningSeconds = 3.0
    static let timeoutSeconds = 90.0

    static func runAll(_ cases: [FlagCase]) -> [Outcome] {
        let work = Work(count: cases.count)
        let group = DispatchGroup()
        for _ in 0..<parallelism {
            group.enter()
            Thread.detachNewThread {
                while let i = work.take() {
                    work.store((try? run(cases[i])) ?? Outcome(status: -1, stderr: "could not start planner"), at: i)
                }
                group.leave()
            }
        }
        group.wait()
        return work.outcomes
    }

    /// The next case to run and the outcomes so far, shared by the worker threads.
    private final class Work: @unchecked Sendable {
        private let lock = NSLock()
        private let count: Int
        private var next = 0
        private var results: [Outcome]

        init(count: Int) {
            self.count = count
            results = [Outcome](repeating: Outcome(), count: count)
        }

        func take() -> Int? {
            lock.withLock {
                guard next < count else { return nil }
                defer { next += 1 }
                return next
            }
        }

        func store(_ outcome: Outcome, at i: Int) { lock.withLock { results[i] = outcome } }
        var outcomes: [Outcome] { lock.withLock { results } }
    }

    static func run(_ c: FlagCase, rawArguments: Bool = false) throws -> Outcome {
        let launched = try PlannerProcess.Launched(rawArguments ? [c.subcommand] : c.arguments,
                                                   environment: FlagCase.environment)
        let process = launched.process
        var outcome = Outcome()
        let start = Date()
        while process.isRunning {
            let elapsed = Date().timeIntervalSince(start)
            if c.isLongRunning && elapsed > longRunningSeconds && !outcome.stoppedByTest {
                outcome.stoppedByTest = true
                process.terminate()   // SIGTERM: `run` stops between intervals and exits 0
            }
            if elapsed > (c.isLongRunning ? longRunningSeconds + 10 : timeoutSeconds) {
                kill(process.processIdentifier, SIGKILL)
                process.waitUntilExit()
                outcome.status = 128 + SIGKILL
                outcome.stderr = "hung: killed after \(Int(elapsed)) s"
                return outcome
            }
            usleep(20_000)
        }
        process.waitUntilExit()
        if process.terminationReason == .uncaughtSignal { outcome.signal = process.terminationStatus }
        outcome.status = process.terminationStatus
        outcome.stdout = launched.stdout
        outcome.stderr = launched.stderr
        outcome.seconds = Date().timeIntervalSince(start)
        return outcome
    }
}
