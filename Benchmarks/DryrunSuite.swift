/// Benchmark suite (filled by its issue).
enum DryrunSuite {
    static func run(_ context: BenchContext) throws {
        print("not implemented yet")
    }
}
