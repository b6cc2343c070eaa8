import ArgumentParser
import PlannerCore

/// Range checks of numeric flags for a command's `validate()`: one call per flag, so each
/// flag's accepted values sit next to its declaration. A value outside is a `ValidationError`
/// whose one line names the flag, the value and what is accepted; ArgumentParser itself
/// refuses text that is not a number of the flag's type ("1e19" for an Int flag).
///
/// Limits shared with settings read elsewhere (config files, a deployment) live in
/// `PlannerLimits`; limits only one command has are declared here.
enum NumericFlag {
    static func check(_ flag: String, _ value: Int, _ limits: IntegerLimits) throws {
        do { try limits.check(value, name: flag) } catch let e as NumberOutOfRange { throw ValidationError(e.description) }
    }

    static func check(_ flag: String, _ value: Double, _ limits: RealLimits) throws {
        do { try limits.check(value, name: flag) } catch let e as NumberOutOfRange { throw ValidationError(e.description) }
    }

    /// `run --max-intervals`: 0 means no limit.
    static let intervalCount = IntegerLimits(0...Int.max, unit: "intervals, 0 for no limit")
}
