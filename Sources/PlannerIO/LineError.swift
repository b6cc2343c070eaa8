/// Why a line is not acceptable; turned into a `PlannerIOError` with file and line
/// by the caller, which knows them. (JSON syntax errors arrive as `JSONSyntaxError`
/// and are worded by its `lineMessage`.)
struct LineError: Error {
    var message: String
}
