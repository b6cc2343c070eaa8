import Foundation

/// The etcd key layout of the virtual connector (docs/behaviour.md §8.1): everything lives under
/// `v1/{namespace}/planner/`, values are decimal strings.
public struct VirtualConnectorKeys: Sendable, Equatable {
    public let namespace: String

    public init(namespace: String) throws {
        let trimmed = namespace.trimmingCharacters(in: .whitespaces)
        guard !trimmed.isEmpty, !trimmed.contains("/") else {
            throw VirtualConnectorError.invalidNamespace(namespace)
        }
        self.namespace = trimmed
    }

    public var prefix: String { "v1/\(namespace)/planner/" }
    public var numPrefillWorkers: String { prefix + "num_prefill_workers" }
    public var numDecodeWorkers: String { prefix + "num_decode_workers" }
    public var decisionId: String { prefix + "decision_id" }
    public var scaledDecisionId: String { prefix + "scaled_decision_id" }
    /// Held (with a lease) by the planner that may write decisions, when standby planners run.
    public var leader: String { prefix + "leader" }
}

/// Errors of the virtual connector that are not plain etcd failures.
public enum VirtualConnectorError: Error, Equatable, CustomStringConvertible {
    case invalidNamespace(String)
    case modelNameRequired
    case emptyTargetList
    case negativeReplicas(component: String, replicas: Int)
    case invalidSetting(name: String, value: String)
    case conflictingWriter(namespace: String)
    case decisionIdExhausted(key: String)

    public var description: String {
        switch self {
        case let .invalidNamespace(namespace):
            return "namespace `\(namespace)` is not usable in an etcd key (expected a non-empty name without `/`)"
        case .modelNameRequired:
            return "the virtual connector cannot discover the served model: pass --model-name"
        case .emptyTargetList:
            return "setComponentReplicas needs at least one target replica count"
        case let .negativeReplicas(component, replicas):
            return "replica count for \(component) must be ≥ 0, got \(replicas)"
        case let .invalidSetting(name, value):
            return "\(name)=`\(value)` is not a positive number of seconds"
        case let .conflictingWriter(namespace):
            return "decision_id in namespace `\(namespace)` keeps changing under this planner: is another planner writing without --leader-election?"
        case let .decisionIdExhausted(key):
            return "etcd \(key) holds the largest decision id (\(Int.max)): no next id can be issued; reset the key"
        }
    }
}

/// The two time settings of the coordinator (docs/behaviour.md §8.1), from `SCALING_MAX_WAIT_TIME` and
/// `SCALING_CHECK_INTERVAL` by default; tests pass short values directly.
public struct VirtualConnectorTiming: Sendable, Equatable {
    /// How long a new decision may be held back by an unacknowledged one, and how long a
    /// blocking call waits for an acknowledgement.
    public let maxWaitSeconds: Double
    /// Polling period of the wait for an acknowledgement.
    public let checkIntervalSeconds: Double

    /// Clamped to [0, 1 year] and [1 ms, 1 day]: the coordinator converts both to clock units.
    public init(maxWaitSeconds: Double = 1800, checkIntervalSeconds: Double = 10) {
        self.maxWaitSeconds = clampSeconds(maxWaitSeconds, fallback: 1800, range: 0...31_536_000)
        self.checkIntervalSeconds = clampSeconds(checkIntervalSeconds, fallback: 10, range: 0.001...86_400)
    }

    public static func fromEnvironment(
        _ environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws -> VirtualConnectorTiming {
        func seconds(_ name: String, _ fallback: Double) throws -> Double {
            guard let text = environment[name], !text.trimmingCharacters(in: .whitespaces).isEmpty else {
                return fallback
            }
            guard let value = Double(text.trimmingCharacters(in: .whitespaces)), value.isFinite, value > 0 else {
                throw VirtualConnectorError.invalidSetting(name: name, value: text)
            }
            return value
        }
        return VirtualConnectorTiming(maxWaitSeconds: try seconds("SCALING_MAX_WAIT_TIME", 1800),
                                      checkIntervalSeconds: try seconds("SCALING_CHECK_INTERVAL", 10))
    }
}
