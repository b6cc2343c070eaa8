import Connectors
import Foundation
import Logging
import PlannerCore
import PlannerIO

/// Builds the members of a fleet: each deployment's settings (its config entry over the
/// fleet's defaults), profile, predictor state and connector; and, with `--discover`,
/// the membership after each discovery. A deployment that cannot be set up (profile
/// missing or broken) is reported in one line and left out; the others go on.
final class FleetMemberFactory: @unchecked Sendable {
    let defaults: PlannerOptions
    let deployments: [String: FleetDeployment]
    let profileRoot: String?
    let flagWeights: [String: Double]
    let correctionEnabled: Bool
    let model: String
    let environment: FleetEnvironment
    let logger: Logger
    private var profiles: [String: PerformanceProfile] = [:]
    private var histories: [String: WarmupHistory?] = [:]
    /// Deployments that could not be set up, with the reason last reported (reported again only when it changes).
    private(set) var failed: [String: String] = [:]

    init(defaults: PlannerOptions, deployments: [FleetDeployment], fleet: FleetOptions, flagWeights: [String: Double],
         correctionEnabled: Bool, model: String, environment: FleetEnvironment, logger: Logger) {
        self.defaults = defaults
        self.deployments = Dictionary(deployments.map { ($0.namespace, $0) }, uniquingKeysWith: { a, _ in a })
        self.profileRoot = fleet.fleetProfileRoot
        self.flagWeights = flagWeights
        self.correctionEnabled = correctionEnabled
        self.model = model
        self.environment = environment
        self.logger = logger
    }

    func options(for name: String) -> PlannerOptions { deployments[name]?.planner ?? defaults }

    func model(for name: String) -> String { deployments[name]?.modelName ?? model }

    /// --fleet-weights, else the entry's `weight`, else 1.
    func weight(for name: String) -> Double {
        if let w = flagWeights[name] { return w }
        if let d = deployments[name], d.given.contains("weight") { return d.weight }
        return 1
    }

    /// The entry's own `profile_results_dir`, else --fleet-profile-root/NAME, else the fleet's default.
    func profileDirectory(for name: String) -> String {
        if let d = deployments[name], d.given.contains("profile_results_dir") { return d.planner.profileFlags.profileResultsDir }
        return profileRoot.map { URL(fileURLWithPath: $0).appendingPathComponent(name).path } ?? defaults.profileFlags.profileResultsDir
    }

    /// The member for `name`, or nil (reported on stderr) when it cannot be set up.
    func make(_ name: String) async -> FleetMember? {
        do {
            let options = options(for: name)
            var settings = try options.plannerSettings(correctionEnabled: correctionEnabled)
            settings.maxGPUBudget = -1 // the fleet budget replaces the per-deployment one
            let directory = profileDirectory(for: name)
            let profile = try profiles[directory] ?? ProfileLoader.load(directory: directory)
            profiles[directory] = profile
            let connector = try await environment.connect(name, options: options, settings: &settings)
            let engine = try options.decisionEngine(settings: settings, profile: profile)
            if let history = history(options, intervalSeconds: settings.intervalSeconds) { engine.warmUp(with: history.intervals) }
            failed[name] = nil
            let headroom = engine.headroom
            logger.info("deployment set up", metadata: [
                "deployment": "\(name)", "ttft_ms": "\(settings.ttftMilliseconds)", "itl_ms": "\(settings.itlMilliseconds)",
                "target_attainment": "\(headroom.targetAttainment.map { "\($0)" } ?? "off")",
                "hold_scale_down": "\(headroom.holdScaleDown)",
            ])
            return FleetMember(name: name, engine: engine, connector: connector, weight: weight(for: name))
        } catch {
            let reason = "\(error)"
            if failed[name] != reason {
                FileHandle.standardError.write(Data("planner run: deployment '\(name)' skipped: \(reason)\n".utf8))
            }
            failed[name] = reason
            return nil
        }
    }

    private func history(_ options: PlannerOptions, intervalSeconds: Int) -> WarmupHistory? {
        let key = options.decision.loadPredictorWarmupTrace ?? ""
        if let cached = histories[key] { return cached }
        let history = options.warmupHistory(intervalSeconds: intervalSeconds, warn: { logger.warning("\($0)") })
        histories[key] = history
        return history
    }

    /// `listed` plus every deployment the environment finds (etcd namespaces with planner keys,
    /// or DGDs): members kept, joined and left. Nil when nothing changed or the environment
    /// could not be read (one warning; the fleet stays as it is).
    func discover(current: [FleetMember], listed: [String]) async -> [FleetMember]? {
        let found: [String]
        do {
            found = try await environment.discover()
        } catch {
            logger.warning("discovery skipped: the fleet stays as it is", metadata: ["reason": "\(error)"])
            return nil
        }
        var wanted = listed
        let listedSet = Set(listed)
        wanted += found.filter { !listedSet.contains($0) }
        let wantedSet = Set(wanted)
        let byName = Dictionary(current.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        for name in failed.keys where !wantedSet.contains(name) { failed[name] = nil }
        var next: [FleetMember] = []
        for name in wanted {
            if let m = byName[name] {
                next.append(m)
            } else if let m = await make(name) {
                logger.info("deployment joined the fleet", metadata: ["deployment": "\(name)"])
                next.append(m)
            }
        }
        for m in current where !wantedSet.contains(m.name) {
            logger.info("deployment left the fleet", metadata: ["deployment": "\(m.name)"])
        }
        return next.map(\.name) == current.map(\.name) ? nil : next
    }
}
