import CNumerics

/// A failure reported by the C core, with the routine that reported it.
public struct NumericsError: Error, CustomStringConvertible, Equatable {
    public let routine: String
    public let status: Int32

    public init(routine: String, status: Int32) {
        self.routine = routine
        self.status = status
    }

    public var description: String {
        "\(routine): \(String(cString: cn_status_message(status)))"
    }

    /// Throws when `status` is not `CN_OK`.
    @inlinable
    public static func check(_ status: Int32, _ routine: String) throws {
        if status != 0 { throw NumericsError(routine: routine, status: status) }
    }
}
