/// Benchmark suite (filled by its issue).
enum ReadersSuite {
    static func run(_ context: BenchContext) throws {
        print("not implemented yet")
    }
}
