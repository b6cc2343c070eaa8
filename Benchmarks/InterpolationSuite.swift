import Foundation
import PlannerCore
import PlannerIO

/// Interpolation: building the decode interpolator (two resolution² surfaces,
/// nearest fill included) and the prefill splines, and look-ups per second —
/// side by side with scipy (ref_planner.py's PrefillInterp/DecodeInterp) in
/// the same run when --python is given.
enum InterpolationSuite {
    static let profiles = ["data/profiles/h200_llama8b_tp1", "Tests/Fixtures/profiles/h100_qwen32b_tp2"]

    static func run(_ context: BenchContext) throws {
        let repeats = context.quick ? 3 : 7
        for dir in profiles {
            let profile = try ProfileLoader.load(directory: dir)
            print("-- \(dir) (\(profile.prefill.isl.count) prefill, \(profile.decode.kvUsage.count) decode points)")
            let reference = try referenceTimes(context, directory: dir, repeats: repeats)

            let decodeBuild = try context.time(iterations: context.quick ? 5 : 40, repeats: repeats) {
                _ = try DecodeInterpolator(profile: profile.decode, resolution: 100)
            }
            context.report("decode build (2 surfaces 100x100, nearest fill)", ours: decodeBuild, reference: reference?["decode_build"])
            let thinPlate = try context.time(iterations: context.quick ? 1 : 5, repeats: repeats) {
                _ = try DecodeInterpolator(profile: profile.decode, resolution: 100, method: .thinPlate)
            }
            context.report("decode build, thin-plate (beyond the reference)", ours: thinPlate, reference: nil)
            let prefillBuild = try context.time(iterations: context.quick ? 100 : 2000, repeats: repeats) {
                _ = try PrefillInterpolator(profile: profile.prefill)
            }
            context.report("prefill build (2 splines)", ours: prefillBuild, reference: reference?["prefill_build"])

            let decode = try DecodeInterpolator(profile: profile.decode, resolution: 100)
            let prefill = try PrefillInterpolator(profile: profile.prefill)
            let maxContext = profile.decode.contextLength.max() ?? 1
            let n = context.quick ? 100_000 : 2_000_000
            var sink = 0.0
            let itlLookup = context.time(iterations: 1, repeats: repeats) {
                var c = 1.0, ctx = 100.0
                for _ in 0..<n {
                    sink += decode.interpolateITL(concurrency: c, contextLength: ctx)
                    c = c >= 200 ? 1 : c + 1.37
                    ctx = ctx >= maxContext ? 100 : ctx + 97.3
                }
            } / Double(n)
            context.report("decode ITL look-up", ours: itlLookup, reference: reference?["itl_lookup"])
            let best = context.time(iterations: 1, repeats: repeats) {
                var ctx = 100.0
                for k in 0..<(n / 10) {
                    sink += decode.findBestThroughputPerGPU(itlMilliseconds: Double(5 + k % 40), contextLength: ctx).throughputPerGPU
                    ctx = ctx >= maxContext ? 100 : ctx + 97.3
                }
            } / Double(n / 10)
            context.report("findBestThroughputPerGPU", ours: best, reference: reference?["find_best"])
            let ttft = context.time(iterations: 1, repeats: repeats) {
                var isl = 50.0
                for _ in 0..<n {
                    sink += prefill.interpolateTTFT(isl)
                    isl = isl > 40000 ? 50 : isl + 113.7
                }
            } / Double(n)
            context.report("prefill TTFT look-up", ours: ttft, reference: reference?["ttft_lookup"])
            print(String(format: "look-ups per second: ITL %.3g, TTFT %.3g (checksum %.6g)", 1 / itlLookup, 1 / ttft, sink))
        }
    }

    /// scipy's times for the same work (seconds), or nil without --python.
    static func referenceTimes(_ context: BenchContext, directory: String, repeats: Int) throws -> [String: Double]? {
        let tools = URL(fileURLWithPath: context.reference).deletingLastPathComponent().path
        let script = """
        import sys, json, time
        sys.path.insert(0, sys.argv[1])
        from ref_planner import load_profile, PrefillInterp, DecodeInterp
        p, q = load_profile(sys.argv[2]); reps = int(sys.argv[3])
        def best(f, n):
            t = float("inf")
            for _ in range(reps):
                s = time.perf_counter()
                for _ in range(n): f()
                t = min(t, (time.perf_counter() - s) / n)
            return t
        di = DecodeInterp(q, 100); pi = PrefillInterp(p)
        ctx = float(max(q["y_context_length"]))
        out = {"decode_build": best(lambda: DecodeInterp(q, 100), 5),
               "prefill_build": best(lambda: PrefillInterp(p), 50),
               "itl_lookup": best(lambda: di.interpolate_itl(17.0, ctx / 3), 2000),
               "find_best": best(lambda: di.find_best_throughput_per_gpu(10.0, ctx / 3), 500),
               "ttft_lookup": best(lambda: pi.interpolate_ttft(3000.0), 2000)}
        print(json.dumps(out))
        """
        guard let out = try context.runPython(["-c", script, tools, directory, String(repeats)]) else { return nil }
        guard let data = out.split(separator: "\n").last.map({ Data($0.utf8) }),
              let object = try? JSONSerialization.jsonObject(with: data) as? [String: Double] else {
            print("reference timing failed: \(out.prefix(200))")
            return nil
        }
        return object
    }
}
