import Foundation

/// How the simulated Dynamo operator reacts to a change of the DGD's spec.
public struct OperatorTiming: Sendable {
    /// Seconds between a spec change and the operator observing it (status untouched meanwhile).
    public var reactionSeconds: Double
    /// Seconds per replica step once observed: ready replicas move by one per step,
    /// available replicas follow one step behind. 0 converges at once.
    public var stepSeconds: Double
    /// The CRD's status carries `observedGeneration` (older operators do not).
    public var reportsObservedGeneration: Bool

    public init(reactionSeconds: Double = 0, stepSeconds: Double = 0, reportsObservedGeneration: Bool = true) {
        self.reactionSeconds = reactionSeconds
        self.stepSeconds = stepSeconds
        self.reportsObservedGeneration = reportsObservedGeneration
    }

    /// Instant convergence (what the lenient server of old did).
    public static let instant = OperatorTiming()
}

/// Replica counts the operator reports in `status.services.{name}`.
public struct ServiceReplicaStatus: Equatable, Sendable {
    public var replicas: Int
    public var updated: Int
    public var ready: Int
    public var available: Int

    public init(_ n: Int) {
        replicas = n
        updated = n
        ready = n
        available = n
    }
}

/// The operator's state machine, advanced lazily to "now" before every request:
/// a spec change is observed `reactionSeconds` later (observedGeneration moves,
/// Ready turns False while counts differ), then replicas move one per step with
/// `availableReplicas` trailing `readyReplicas`, and Ready turns True when every
/// service runs its spec. Replicas above `maxSchedulable` never become ready.
struct DelayedOperator {
    var timing: OperatorTiming
    var status: [String: ServiceReplicaStatus] = [:]
    var observedGeneration = 1
    var ready = true
    var readyTransitions = 0
    var lastTransition = Date()
    var maxSchedulable: [String: Int] = [:]
    private var pendingSince: Double?
    private var nextStepAt: Double?

    init(timing: OperatorTiming) {
        self.timing = timing
    }

    /// The deployment has been stable for long: status equals spec.
    mutating func settle(spec: [String: Int], generation: Int) {
        status = [:]
        for (name, want) in spec { status[name] = ServiceReplicaStatus(min(want, maxSchedulable[name] ?? want)) }
        observedGeneration = generation
        pendingSince = nil
        nextStepAt = nil
        setReady(converged(spec))
    }

    mutating func specChanged(at now: Double) {
        if pendingSince == nil { pendingSince = now }
    }

    mutating func advance(to now: Double, spec: [String: Int], generation: Int) {
        if let t = pendingSince, now >= t + timing.reactionSeconds {
            pendingSince = nil
            observedGeneration = generation
            for (name, want) in spec { status[name, default: ServiceReplicaStatus(0)].replicas = want }
            for name in status.keys where spec[name] == nil { status[name] = nil }
            if timing.stepSeconds <= 0 {
                while step(spec) {}
                setReady(converged(spec))
            } else if !converged(spec) {
                setReady(false)
                nextStepAt = t + timing.reactionSeconds + timing.stepSeconds
            }
        }
        while let s = nextStepAt, s <= now {
            let moved = step(spec)
            if converged(spec) {
                setReady(true)
                nextStepAt = nil
            } else {
                nextStepAt = moved ? s + timing.stepSeconds : nil
            }
        }
    }

    /// One replica step per service; true when anything moved.
    private mutating func step(_ spec: [String: Int]) -> Bool {
        var moved = false
        for (name, want) in spec {
            var s = status[name, default: ServiceReplicaStatus(0)]
            let before = s
            let reachable = min(want, maxSchedulable[name] ?? want)
            if s.ready < reachable {
                s.available = s.ready
                s.ready += 1
            } else if s.ready > want {
                s.ready -= 1
                s.available = min(s.available, s.ready)
            } else {
                s.available = s.ready
            }
            s.updated = s.ready
            if s != before { moved = true }
            status[name] = s
        }
        return moved
    }

    func converged(_ spec: [String: Int]) -> Bool {
        spec.allSatisfy { name, want in
            guard let s = status[name] else { return false }
            return s.ready == want && s.available == want && s.updated == want
        }
    }

    private mutating func setReady(_ value: Bool) {
        guard value != ready else { return }
        ready = value
        readyTransitions += 1
        lastTransition = Date()
    }
}
