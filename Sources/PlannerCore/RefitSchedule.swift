/// When a model re-estimates itself as its history grows: at `first`,
/// 2·`first`, 4·`first`, … points while the doubling step is below `every`,
/// then every `every` points. Cheap early refits follow the fast-changing
/// picture of a short history; later ones cost O(n) each but come at a fixed
/// rate, so their amortised cost per point stays bounded.
public struct RefitSchedule: Equatable, Sendable {
    public let first: Int
    public let every: Int
    /// The history length at which the next refit is due.
    public private(set) var next: Int

    /// `first` and `every` are clamped to at least 1.
    public init(first: Int, every: Int) {
        self.first = max(1, first)
        self.every = max(1, every)
        next = self.first
    }

    /// True when a history of `count` points has reached the next checkpoint.
    public func isDue(count: Int) -> Bool { count >= next }

    /// Records a refit on `count` points and moves the checkpoint past it.
    public mutating func refitted(count: Int) {
        while next <= count {
            let step = next < every ? next : every   // doubling until the step reaches `every`
            next += min(step, every)
        }
    }
}
