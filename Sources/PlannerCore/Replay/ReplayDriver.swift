import Foundation
import Logging
import PlannerNumerics

/// The part of the load a profile was measured on; requests outside it are counted
/// and reported once (the simulator clamps, as the planner's interpolators do).
public struct ReplayProfileCoverage: Sendable {
    /// Largest ISL the prefill profile measured (an iteration prefilling more is extrapolated).
    public var maxPrefillTokens: Double
    /// Longest context the decode profile measured.
    public var maxContextLength: Double
    public init(maxPrefillTokens: Double, maxContextLength: Double) {
        self.maxPrefillTokens = maxPrefillTokens
        self.maxContextLength = maxContextLength
    }
}

/// Streams a trace into the simulator and, every adjustment interval, lets the
/// live planner (`LivePlanner.step`, the code of `planner run`) observe the
/// simulated frontend and scale the simulated pools through `ReplayConnector`.
/// Holds the requests in flight, one interval's unsubmitted arrivals and the
/// latency samples of intervals with unfinished requests — never the whole trace.
public final class ReplayDriver {
    public let configuration: ReplayConfiguration
    private let engine: PlannerDecisionEngine?
    private let source: ReplayRequestSource
    private let warn: (String) -> Void
    private let onRequest: ((ReplayRequestRecord) throws -> Void)?
    private let coverage: ReplayProfileCoverage?
    /// A fleet replay's seat (`ReplayFleet`): decides with the other deployments instead of a `LivePlanner` of its own.
    private let seat: ReplayFleetSeat?

    /// Arrivals handed to the simulator in one call.
    static let batchSize = 1024

    /// `engine` nil replays with the fixed worker counts of the configuration.
    /// `onRequest` sees every finished request (the `--per-request` file).
    public convenience init(configuration: ReplayConfiguration, engine: PlannerDecisionEngine?, source: ReplayRequestSource,
                coverage: ReplayProfileCoverage? = nil, warn: @escaping (String) -> Void = { _ in },
                onRequest: ((ReplayRequestRecord) throws -> Void)? = nil) {
        self.init(configuration: configuration, engine: engine, source: source, coverage: coverage, warn: warn,
                  onRequest: onRequest, seat: nil)
    }

    init(configuration: ReplayConfiguration, engine: PlannerDecisionEngine?, source: ReplayRequestSource,
         coverage: ReplayProfileCoverage?, warn: @escaping (String) -> Void,
         onRequest: ((ReplayRequestRecord) throws -> Void)?, seat: ReplayFleetSeat?) {
        self.seat = configuration.plannerEnabled ? seat : nil
        self.configuration = configuration
        self.engine = configuration.plannerEnabled && seat == nil ? engine : nil
        self.source = source
        self.coverage = coverage
        self.warn = warn
        self.onRequest = onRequest
    }

    public func run() async throws -> ReplayResult {
        try configuration.validate()
        let started = DispatchTime.now().uptimeNanoseconds
        var state = try RunState(configuration: configuration, onRequest: onRequest)
        // Load-based mode: the planner's targets become floors of the reactive rule.
        let controller = engine == nil ? nil : configuration.loadBased.map {
            ReplayLoadBasedController(settings: $0, connector: state.connector)
        }
        let plannerConnector: PlannerConnector = controller.map { $0.floorConnector() as PlannerConnector } ?? state.connector
        let planner = engine.map {
            LivePlanner(engine: $0, metrics: state.frontend, connector: plannerConnector,
                        initialWorkers: WorkerCounts(prefill: configuration.mode == .agg ? 0 : configuration.prefillWorkers,
                                                     decode: configuration.decodeWorkers),
                        logger: Logger(label: "planner.replay", factory: { _ in SwiftLogNoOpLogHandler() }))
        }
        let dt = Double(configuration.planner.intervalSeconds)
        let limit = configuration.maxSimTimeSeconds
        var origin: Double?
        var last = 0.0
        var warnedHashes = false
        // Said once, after the replay, so a run that fails prints only its error.
        var warnings: [String] = []
        var outside = (isl: 0, context: 0)
        let kvCapacity = configuration.smallestKVCache

        /// Closes the window ending at `state.boundary` (or at the time limit).
        func closeWindow() async throws {
            let end = min(state.boundary, limit)
            try state.advance(to: end)
            state.sampleInterval(start: state.boundary - dt)
            if end < state.boundary { state.stop = .maxSimTime(seconds: limit); return }
            if planner != nil || seat != nil {
                state.connector.nowSeconds = end
                state.handTokenGapsToFrontend()
                let outcome: LiveIntervalOutcome
                if let seat {
                    outcome = await seat.decide(connector: state.connector, metrics: state.frontend)
                } else if let planner {
                    outcome = await planner.step()
                } else {
                    outcome = .invalidMetrics
                }
                if case .decided = outcome { state.decisions += 1 } else { state.undecided += 1 }
            }
            state.boundary += dt
        }

        reading: while let row = try source.next() {
            let t = row.arrivalSeconds - (origin ?? row.arrivalSeconds)
            if origin == nil { origin = row.arrivalSeconds }
            guard t >= last else {
                throw ReplayError("\(row.location): timestamp goes back \(last - t) s; the replay reads a trace in time order")
            }
            last = t
            while true {
                // Window ends and load-based ticks up to t, in time order (a window end first).
                let tick = controller?.nextTick ?? .infinity
                if t >= state.boundary, state.boundary <= tick {
                    try await closeWindow()
                    if state.stop != nil { break reading }
                } else if let controller, t >= tick {
                    if tick > limit { break }
                    try state.advance(to: tick)
                    try await controller.apply(now: tick)
                    controller.ticked(at: tick)
                    if state.stop != nil { break reading }
                } else {
                    break
                }
            }
            if row.hashIDs == nil && !warnedHashes {
                warnedHashes = true
                warnings.append("the trace has no hash_ids: replaying without prefix reuse")
            }
            if let coverage {
                // One iteration prefills at most the token budget when prompts are chunked.
                let engine = configuration.simulator.prefillEngine
                let chunk = engine.chunkedPrefill ? min(row.inputLength, engine.maxNumBatchedTokens) : row.inputLength
                if Double(chunk) > coverage.maxPrefillTokens { outside.isl += 1 }
                if Double(row.inputLength + row.outputLength) > coverage.maxContextLength { outside.context += 1 }
            }
            if row.inputLength &+ row.outputLength > kvCapacity.tokens {
                throw ReplayError("\(row.location): a request of \(row.inputLength) prompt + \(row.outputLength) output tokens "
                    + "does not fit the KV cache of one \(kvCapacity.pool) worker (\(kvCapacity.tokens) tokens); "
                    + "raise --num-gpu-blocks or --block-size")
            }
            state.enqueue(row, at: t, dt: dt)
            if state.batch.count >= Self.batchSize {
                try state.flush()
                if state.stop != nil { break reading }
            }
        }
        // The trace is read: intervals go on (the planner with them) until every request finished.
        while state.stop == nil {
            try state.flush()
            if state.stop != nil { break }
            if let controller, controller.nextTick < min(state.boundary, limit) {
                let tick = controller.nextTick
                if try state.finish(before: tick) {
                    state.sampleInterval(start: state.boundary - dt)
                    break
                }
                try await controller.apply(now: tick)
                controller.ticked(at: tick)
                continue
            }
            if try state.finish(before: min(state.boundary, limit)) {
                state.sampleInterval(start: state.boundary - dt)
                break
            }
            try await closeWindow()
        }
        if let coverage, outside.isl + outside.context > 0 {
            warnings.append("the load leaves the profiled region: \(outside.isl) request(s) prefill more than the profile's largest ISL "
                + "\(Int(coverage.maxPrefillTokens)) in one iteration, \(outside.context) have ISL+OSL above its longest context "
                + "\(Int(coverage.maxContextLength)); their timing is extrapolated from the profile's edge")
        }
        warnings.forEach(warn)
        let wall = Double(DispatchTime.now().uptimeNanoseconds - started) / 1e6
        return state.result(requests: state.submitted, wallTimeMilliseconds: wall)
    }
}
