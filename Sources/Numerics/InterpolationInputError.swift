/// Input an interpolant cannot be built from, said in terms a user can act on.
public enum InterpolationInputError: Error, Equatable, CustomStringConvertible {
    /// `what` has `got` usable points; the method needs `needed`.
    case tooFewPoints(what: String, needed: Int, got: Int)
    /// Arrays that must pair up have different lengths.
    case mismatchedLengths(what: String, counts: [Int])
    /// A coordinate or value is NaN or infinite.
    case nonFinite(what: String, index: Int)
    /// Two samples share the same abscissa (1-D) or the same point (2-D).
    case duplicate(what: String, index: Int, other: Int)
    /// Every point lies on one line: no triangle, no surface.
    case collinear(what: String)
    /// A size or option is out of range.
    case invalidOption(String)

    public var description: String {
        switch self {
        case let .tooFewPoints(what, needed, got):
            return "\(what): \(got) usable point(s), at least \(needed) needed"
        case let .mismatchedLengths(what, counts):
            return "\(what): arrays of different lengths \(counts)"
        case let .nonFinite(what, index):
            return "\(what): value at index \(index) is NaN or infinite"
        case let .duplicate(what, index, other):
            return "\(what): points \(other) and \(index) coincide"
        case let .collinear(what):
            return "\(what): all points lie on one line, no 2-D surface can be built"
        case let .invalidOption(message):
            return message
        }
    }
}
