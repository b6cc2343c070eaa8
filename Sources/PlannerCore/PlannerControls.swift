import Foundation

/// The settings an operator may change while the planner runs (Dynamo 1.x's
/// `/v1/min-endpoints` fields): endpoint floors and GPU budgets.
public struct RuntimeLimits: Equatable, Sendable {
    public var minEndpoint: Int
    public var prefillMinEndpoint: Int?
    public var decodeMinEndpoint: Int?
    public var minGPUBudget: Int
    public var maxGPUBudget: Int

    public init(_ s: PlannerSettings) {
        minEndpoint = s.minEndpoint
        prefillMinEndpoint = s.prefillMinEndpoint
        decodeMinEndpoint = s.decodeMinEndpoint
        minGPUBudget = s.minGPUBudget
        maxGPUBudget = s.maxGPUBudget
    }

    public func applied(to s: PlannerSettings) -> PlannerSettings {
        var s = s
        s.minEndpoint = minEndpoint
        s.prefillMinEndpoint = prefillMinEndpoint
        s.decodeMinEndpoint = decodeMinEndpoint
        s.minGPUBudget = minGPUBudget
        s.maxGPUBudget = maxGPUBudget
        return s
    }
}

/// What the live loop shares with its control API (another thread): pause, the
/// runtime limits, and the last state for `GET /v1/state`. Every method is
/// thread-safe; the loop takes changed limits at the start of an interval.
public final class PlannerControls: @unchecked Sendable {
    private let lock = NSLock()
    private var paused = false
    private var settings: PlannerSettings
    private var pendingLimits: RuntimeLimits?
    private var lastState: PlannerState?
    private var lastReason: DecisionReason?

    public init(settings: PlannerSettings) {
        self.settings = settings
    }

    public var isPaused: Bool { lock.withLock { paused } }

    public func pause() { lock.withLock { paused = true } }
    public func resume() { lock.withLock { paused = false } }

    /// The limits in effect (or about to be, when a change waits for the next interval).
    public var limits: RuntimeLimits { lock.withLock { pendingLimits ?? RuntimeLimits(settings) } }

    /// The settings the loop plans with, with pending limit changes applied.
    public var effectiveSettings: PlannerSettings {
        lock.withLock { pendingLimits.map { $0.applied(to: settings) } ?? settings }
    }

    /// Applies `change` to the current limits; throws `PlannerSettingsError` (and changes
    /// nothing) when the result is not a valid planner configuration.
    @discardableResult
    public func update(_ change: (inout RuntimeLimits) -> Void) throws -> RuntimeLimits {
        try lock.withLock {
            var next = pendingLimits ?? RuntimeLimits(settings)
            change(&next)
            try next.applied(to: settings).validate()
            pendingLimits = next
            return next
        }
    }

    /// Loop side: the limits changed since the last call, if any.
    public func takePendingLimits() -> RuntimeLimits? {
        lock.withLock {
            defer {
                if let p = pendingLimits { settings = p.applied(to: settings) }
                pendingLimits = nil
            }
            return pendingLimits
        }
    }

    /// Loop side: the state after an interval and why it ended as it did.
    public func record(_ state: PlannerState, reason: DecisionReason?) {
        lock.withLock {
            lastState = state
            lastReason = reason
        }
    }

    /// The last recorded state and reason (nil before the first interval).
    public func snapshot() -> (state: PlannerState?, reason: DecisionReason?, paused: Bool) {
        lock.withLock { (lastState, lastReason, paused) }
    }
}
