/// Benchmark suite (filled by its issue).
enum LiveSuite {
    static func run(_ context: BenchContext) throws {
        print("not implemented yet")
    }
}
