import CNumerics

/// Tridiagonal linear systems, solved by LAPACK's `dgtsv`.
public enum Tridiagonal {
    /// Solves `A x = b` for the tridiagonal `A` given by its three diagonals.
    /// - Precondition on input (checked, thrown): `diagonal.count == b.count == n`,
    ///   `lower.count == upper.count == n - 1`, all values finite.
    /// - Throws: `NumericsError` when the system is singular or the input malformed.
    public static func solve(lower: [Double], diagonal: [Double], upper: [Double], b: [Double]) throws -> [Double] {
        let n = diagonal.count
        guard n > 0, b.count == n, lower.count == max(0, n - 1), upper.count == max(0, n - 1) else {
            throw NumericsError(routine: "cn_tridiagonal_solve", status: CN_ERR_ARGUMENT.rawValue)
        }
        var dl = lower, d = diagonal, du = upper, x = b
        let status = dl.withUnsafeMutableBufferPointer { dlp in
            d.withUnsafeMutableBufferPointer { dp in
                du.withUnsafeMutableBufferPointer { dup in
                    x.withUnsafeMutableBufferPointer { xp in
                        cn_tridiagonal_solve(Int32(n), dlp.baseAddress, dp.baseAddress, dup.baseAddress, xp.baseAddress)
                    }
                }
            }
        }
        try NumericsError.check(status, "cn_tridiagonal_solve")
        return x
    }
}
