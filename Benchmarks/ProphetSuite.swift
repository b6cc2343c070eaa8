/// Benchmark suite (filled by its issue).
enum ProphetSuite {
    static func run(_ context: BenchContext) throws {
        print("not implemented yet")
    }
}
