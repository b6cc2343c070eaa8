/// Benchmark suite (filled by its issue).
enum PredictorsSuite {
    static func run(_ context: BenchContext) throws {
        print("not implemented yet")
    }
}
