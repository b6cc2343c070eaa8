import Foundation
import Logging

/// What one live interval ended with.
public enum LiveIntervalOutcome: Equatable, Sendable {
    /// A decision was made; `applied` is false with `--no-operation` or when the connector failed.
    case decided(ScalingDecision, applied: Bool)
    /// Metrics were observed but invalid (no finished requests): no decision.
    case invalidMetrics
    /// The metrics source or the connector could not be read: nothing observed.
    case unavailable(String)
}

/// The live planner (docs/behaviour.md §5): every interval, read the worker counts and the
/// metrics, let `PlannerDecisionEngine.decideInterval` (the fleet's members use it too)
/// observe, correct, predict and decide, and hand the targets to the connector.
/// Everything outside is injected (metrics source, connector, clock, sink), so
/// the loop runs the same against Prometheus and etcd as against test doubles.
///
/// Failures of the outside world never end the loop: an interval whose inputs
/// cannot be read is logged and skipped, and the next one tries again.
public final class LivePlanner: @unchecked Sendable {
    public let engine: PlannerDecisionEngine
    public let metrics: MetricsSource
    public let connector: PlannerConnector
    public let clock: LiveClock
    public let sink: PlannerStateSink?
    /// Observe and decide without scaling (`--no-operation`, `--advisory`).
    public let noOperation: Bool
    /// With `--advisory`: receives every decision instead of the connector.
    public let advisory: AdvisoryPublisher?
    /// Pause, runtime limits and the state the control API reads.
    public let controls: PlannerControls
    public private(set) var state: PlannerState
    /// Intervals skipped because the metrics source or the connector was unreachable.
    public private(set) var skippedIntervals = 0
    /// Decisions made, and how many of them reached the connector.
    public private(set) var decisions = 0
    public private(set) var appliedDecisions = 0
    private var logger: Logger
    private let stopLock = NSLock()
    private var stopFlag = false

    public init(engine: PlannerDecisionEngine, metrics: MetricsSource, connector: PlannerConnector,
                clock: LiveClock = MonotonicLiveClock(), sink: PlannerStateSink? = nil, noOperation: Bool = false,
                initialWorkers: WorkerCounts = WorkerCounts(prefill: 0, decode: 0),
                advisory: AdvisoryPublisher? = nil, controls: PlannerControls? = nil,
                logger: Logger = Logger(label: "planner.live")) {
        self.engine = engine
        self.metrics = metrics
        self.connector = connector
        self.clock = clock
        self.sink = sink
        self.noOperation = noOperation || advisory != nil
        self.advisory = advisory
        self.controls = controls ?? PlannerControls(settings: engine.settings)
        self.state = PlannerState(workers: initialWorkers, settings: engine.settings)
        self.logger = logger
    }

    /// Asks `run` to return after the interval in progress (signal handlers call this).
    public func requestStop() {
        stopLock.withLock { stopFlag = true }
    }

    public var stopRequested: Bool {
        stopLock.withLock { stopFlag } || Task.isCancelled
    }

    /// Runs intervals on the clock until `requestStop()` (or task cancellation),
    /// or until `maxIntervals` have run. Deadlines are start + k·interval, so a
    /// slow interval does not shift the ones after it.
    public func run(maxIntervals: Int? = nil) async {
        let interval = Double(engine.settings.intervalSeconds)
        let start = clock.nowSeconds()
        var k = 0
        logger.info("live planner started", metadata: [
            "interval_s": "\(engine.settings.intervalSeconds)", "mode": "\(engine.settings.mode.rawValue)",
            "no_operation": "\(noOperation)", "correction": "\(engine.settings.correctionEnabled)",
        ])
        while !stopRequested, maxIntervals.map({ k < $0 }) ?? true {
            k += 1
            let deadline = start + Double(k) * interval
            // Short sleeps so a stop request is noticed within a fraction of a second.
            while !stopRequested, clock.nowSeconds() < deadline {
                await clock.sleep(untilSeconds: min(deadline, clock.nowSeconds() + 0.25))
            }
            if stopRequested { break }
            _ = await step()
        }
        logger.info("live planner stopped", metadata: ["intervals": "\(state.intervals)"])
    }

    /// One interval: inputs, decision, connector call, log line and gauges.
    @discardableResult
    public func step() async -> LiveIntervalOutcome {
        takeControlChanges()
        let settings = engine.settings
        let workers: WorkerCounts
        let observed: ObservedMetrics
        do {
            workers = try await connector.currentWorkerCounts()
        } catch {
            return skip("cannot read worker counts: \(error)")
        }
        do {
            observed = try await metrics.observe(intervalSeconds: settings.intervalSeconds)
        } catch {
            return skip("cannot read metrics: \(error)")
        }
        guard let result = engine.decideInterval(observed: observed, workers: workers, state: &state) else {
            logger.info("no decision: metrics missing or NaN (no finished requests)",
                        metadata: inputMetadata(workers: workers, observed: observed))
            publish(settings)
            return .invalidMetrics
        }
        let predicted = result.predicted, decision = result.decision
        let paused = controls.isPaused
        var explanation = engine.explain(decision, load: predicted, corrections: state.corrections, current: workers)
        if paused { explanation.reason = .paused }
        state.explanation = explanation
        state.reason = explanation.reason
        var applied = false
        var failure: String?
        if let advisory, !paused {
            do {
                try await advisory.publishAdvisory(decision, reason: explanation.reason, mode: settings.mode)
            } catch {
                failure = "advisory publish: \(error)"
            }
        } else if !noOperation, !paused {
            do {
                try await connector.setComponentReplicas(decision.targets(mode: settings.mode), blocking: false)
                applied = true
            } catch {
                failure = "\(error)"
            }
            if let held = state.noteScalingHold(of: connector) { explanation.reason = held }
        }
        var meta = inputMetadata(workers: workers, observed: observed)
        meta["p_cf"] = "\(fmt(state.corrections.prefill))"
        meta["d_cf"] = "\(fmt(state.corrections.decode))"
        meta["pred_num_req"] = "\(fmt(predicted.requestCount))"
        meta["pred_isl"] = "\(fmt(predicted.isl))"
        meta["pred_osl"] = "\(fmt(predicted.osl))"
        meta["num_p"] = "\(decision.prefill)"
        meta["num_d"] = "\(decision.decode)"
        meta["budget_limited"] = "\(decision.budgetLimited)"
        meta["decode_sla_infeasible"] = "\(decision.decodeSLAInfeasible)"
        meta["reason"] = "\(explanation.reason.rawValue)"
        meta["applied"] = "\(applied)"
        meta["gpu_hours"] = "\(fmt(state.gpuHours.total))"
        if let failure {
            meta["error"] = "\(failure)"
            logger.warning(explanation.reason == .heldNotReady ? "decision held: deployment not Ready"
                : "decision not applied: connector failed", metadata: meta)
        } else {
            logger.info(advisory != nil ? "advisory decision" : "decision", metadata: meta)
        }
        publish(settings)
        decisions += 1
        if applied { appliedDecisions += 1 }
        return .decided(decision, applied: applied)
    }

    private func skip(_ reason: String) -> LiveIntervalOutcome {
        skippedIntervals += 1
        logger.warning("interval skipped", metadata: ["reason": "\(reason)"])
        state.reason = .metricsMissing
        publish(engine.settings)
        return .unavailable(reason)
    }

    private func publish(_ settings: PlannerSettings) {
        sink?.publish(state, intervalSeconds: settings.intervalSeconds)
        controls.record(state, reason: state.reason)
    }

    /// Limits changed through the control API take effect from this interval.
    private func takeControlChanges() {
        guard let limits = controls.takePendingLimits() else { return }
        do {
            try engine.updateSettings { $0 = limits.applied(to: $0) }
            logger.info("runtime limits changed", metadata: [
                "min_endpoint": "\(limits.minEndpoint)",
                "prefill_min_endpoint": "\(limits.prefillMinEndpoint.map(String.init) ?? "unset")",
                "decode_min_endpoint": "\(limits.decodeMinEndpoint.map(String.init) ?? "unset")",
                "min_gpu_budget": "\(limits.minGPUBudget)", "max_gpu_budget": "\(limits.maxGPUBudget)",
            ])
        } catch {
            logger.warning("runtime limits refused", metadata: ["error": "\(error)"])
        }
    }

    private func inputMetadata(workers: WorkerCounts, observed: ObservedMetrics) -> Logger.Metadata {
        func v(_ x: Double?) -> Logger.MetadataValue { "\(x.map(fmt) ?? "none")" }
        return [
            "interval": "\(state.intervals)", "workers_p": "\(workers.prefill)", "workers_d": "\(workers.decode)",
            "ttft_ms": v(observed.ttftMilliseconds), "itl_ms": v(observed.itlMilliseconds),
            "num_req": v(observed.requestCount), "isl": v(observed.isl), "osl": v(observed.osl),
            "duration_s": v(observed.requestDurationSeconds),
        ]
    }

    private func fmt(_ x: Double) -> String {
        x.isFinite ? String(format: "%.4g", x) : "\(x)"
    }
}
