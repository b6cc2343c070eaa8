/// Benchmark suite (filled by its issue).
enum InterpolationSuite {
    static func run(_ context: BenchContext) throws {
        print("not implemented yet")
    }
}
