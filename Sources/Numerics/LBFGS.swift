import CNumerics

/// Bounded limited-memory BFGS with scipy's `fmin_l_bfgs_b` semantics (L-BFGS-B 3.0).
public enum LBFGS {
    /// Tolerances and limits; defaults are scipy's except `maxIterations` (50, as the
    /// ARIMA reference fits with).
    public struct Options: Sendable {
        public var memory = 10
        public var maxIterations = 50
        public var maxEvaluations = 15000
        public var factr = 1e7
        public var pgtol = 1e-5
        public init() {}
    }

    public struct Result: Sendable {
        public var x: [Double]
        public var f: Double
        public var iterations: Int
        public var evaluations: Int
        /// True when a tolerance was met, false when stopped by a limit.
        public var converged: Bool
    }

    /// The objective: returns f(x) and writes ∇f into `gradient`; return nil to abort.
    public typealias Objective = (_ x: UnsafeBufferPointer<Double>, _ gradient: UnsafeMutableBufferPointer<Double>) -> Double?

    private final class Box {
        let objective: Objective
        init(_ objective: @escaping Objective) { self.objective = objective }
    }

    /// Minimises `objective` from `start` within optional bounds (±infinity for none).
    /// - Throws: `NumericsError` for malformed input or when no step could be taken.
    public static func minimize(start: [Double], lower: [Double]? = nil, upper: [Double]? = nil,
                                options: Options = Options(), objective: @escaping Objective) throws -> Result {
        let n = start.count
        guard n > 0, lower.map({ $0.count == n }) ?? true, upper.map({ $0.count == n }) ?? true else {
            throw NumericsError(routine: "cn_lbfgs_minimize", status: CN_ERR_ARGUMENT.rawValue)
        }
        var params = cn_lbfgs_params()
        cn_lbfgs_params_init(&params)
        params.memory = Int32(options.memory)
        params.max_iterations = Int32(options.maxIterations)
        params.max_evaluations = Int32(options.maxEvaluations)
        params.factr = options.factr
        params.pgtol = options.pgtol
        let size = cn_lbfgs_workspace_size(Int32(n), params.memory)
        var work = [Double](repeating: 0, count: size)
        var x = start
        var result = cn_lbfgs_result()
        let box = Unmanaged.passRetained(Box(objective))
        defer { box.release() }
        let callback: cn_objective_fn = { context, count, xp, f, grad in
            guard let context, let xp, let f, let grad else { return 1 }
            let box = Unmanaged<Box>.fromOpaque(context).takeUnretainedValue()
            let n = Int(count)
            guard let value = box.objective(UnsafeBufferPointer(start: xp, count: n),
                                            UnsafeMutableBufferPointer(start: grad, count: n)) else { return 1 }
            f.pointee = value
            return 0
        }
        let status = x.withUnsafeMutableBufferPointer { xp in
            work.withUnsafeMutableBufferPointer { wp in
                withOptionalPointer(lower) { lp in
                    withOptionalPointer(upper) { up in
                        cn_lbfgs_minimize(Int32(n), xp.baseAddress, lp, up, callback, box.toOpaque(),
                                          &params, wp.baseAddress, size, &result)
                    }
                }
            }
        }
        try NumericsError.check(status, "cn_lbfgs_minimize")
        return Result(x: x, f: result.f, iterations: Int(result.iterations),
                      evaluations: Int(result.evaluations), converged: result.converged != 0)
    }

    private static func withOptionalPointer<R>(_ array: [Double]?, _ body: (UnsafePointer<Double>?) -> R) -> R {
        guard let array else { return body(nil) }
        return array.withUnsafeBufferPointer { body($0.baseAddress) }
    }
}
