import ArgumentParser
import Foundation
import PlannerCore
import PlannerIO
import PlannerNumerics

struct InterpolateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "interpolate",
        abstract: "Report what a profile predicts for an ISL/OSL and SLA.",
        discussion: """
        Prefill: estimated TTFT at --isl against --ttft (and the queueing head-room), \
        throughput per GPU and the request rate that saturates one GPU. Decode: the best \
        throughput per GPU whose ITL meets --itl at context isl + osl/2, with its KV usage, \
        or that the SLA cannot be met. --output-json writes the prefill curves on 200 ISL \
        points and the decode grids.
        """
    )

    @OptionGroup var profileFlags: ProfileOptions

    @Option(help: "Input sequence length (tokens).")
    var isl: Double = 3000

    @Option(help: "Output sequence length (tokens).")
    var osl: Double = 150

    @Option(help: "Target time to first token (ms).")
    var ttft: Double = 100

    @Option(help: "Target inter-token latency (ms).")
    var itl: Double = 10

    @Option(help: "Write the prefill curves and decode grids as JSON to this file.")
    var outputJson: String?

    func validate() throws {
        try NumericFlag.check("--isl", isl, PlannerLimits.tokens)
        try NumericFlag.check("--osl", osl, PlannerLimits.tokens)
        try NumericFlag.check("--ttft", ttft, PlannerLimits.latencyMilliseconds)
        try NumericFlag.check("--itl", itl, PlannerLimits.latencyMilliseconds)
    }

    func run() async throws {
        if let outputJson { try OutputPath.checkWritable(outputJson, what: "interpolate JSON") }
        let profile = try ProfileLoader.load(directory: profileFlags.profileResultsDir)
        let prefill: PrefillInterpolator, decode: DecodeInterpolator
        do {
            prefill = try PrefillInterpolator(profile: profile.prefill)
            decode = try DecodeInterpolator(profile: profile.decode, resolution: profileFlags.resolution, method: profileFlags.decodeInterpolation)
        } catch {
            throw ValidationError("profile \(profileFlags.profileResultsDir): \(error)")
        }
        print(Self.report(prefill: prefill, decode: decode, isl: isl, osl: osl, ttft: ttft, itl: itl))
        if let outputJson {
            try OutputPath.write(Data(Self.json(prefill: prefill, decode: decode).utf8), to: outputJson, what: "interpolate JSON")
        }
    }

    static func report(prefill: PrefillInterpolator, decode: DecodeInterpolator,
                       isl: Double, osl: Double, ttft: Double, itl: Double) -> String {
        var lines: [String] = []
        let f2 = { (v: Double) in NumberText.fixed(v, digits: 2) }
        let estTTFT = prefill.interpolateTTFT(isl), thpt = prefill.interpolateThroughputPerGPU(isl)
        lines.append("Prefill at ISL \(f2(isl)) tokens:")
        if estTTFT <= ttft {
            lines.append("  Estimated TTFT=\(f2(estTTFT))ms <= target TTFT=\(f2(ttft))ms. Requests can queue \(f2(ttft - estTTFT))ms maximally while meeting the TTFT SLA.")
        } else {
            lines.append("  Estimated TTFT=\(f2(estTTFT))ms > target TTFT=\(f2(ttft))ms. Cannot meet the TTFT SLA.")
        }
        lines.append("  Estimated throughput: \(f2(thpt)) tokens/s/gpu. Request rate at \(f2(thpt / isl)) requests/s will saturate one GPU.")
        let context = isl + osl / 2
        let best = decode.findBestThroughputPerGPU(itlMilliseconds: itl, contextLength: context)
        lines.append("Decode at context length \(f2(context)) tokens (isl + osl/2), \(decode.method.rawValue):")
        if best.feasible {
            lines.append("  Estimated ITL=\(f2(best.itlMilliseconds))ms <= target ITL=\(f2(itl))ms at \(f2(best.kvUsage * 100))% active KV usage.")
            lines.append("  Estimated throughput: \(f2(best.throughputPerGPU)) tokens/s/gpu. Request rate at \(f2(best.throughputPerGPU / osl)) requests/s will saturate one GPU.")
        } else {
            lines.append("  Estimated ITL=\(f2(best.itlMilliseconds))ms > target ITL=\(f2(itl))ms even at the lowest KV usage. Cannot meet the ITL SLA.")
        }
        return lines.joined(separator: "\n")
    }

    /// docs/cli.md: prefill isl/ttft/thpt_per_gpu on linspace(min isl, max isl, 200);
    /// decode xi, yi and the grids, one row per yi value.
    static func json(prefill: PrefillInterpolator, decode: DecodeInterpolator) -> String {
        let isl = linspace(prefill.islRange.lowerBound, prefill.islRange.upperBound, 200)
        func list(_ a: some Sequence<Double>) -> String { NumberText.jsonArray(a) }
        func rows(_ grid: [Double]) -> String {
            let n = decode.resolution
            return "[" + (0..<n).map { list(grid[($0 * n)..<(($0 + 1) * n)]) }.joined(separator: ",\n  ") + "]"
        }
        return """
        {"prefill": {"isl": \(list(isl)),
          "ttft": \(list(isl.map(prefill.interpolateTTFT))),
          "thpt_per_gpu": \(list(isl.map(prefill.interpolateThroughputPerGPU)))},
         "decode": {"xi": \(list(decode.xi)),
          "yi": \(list(decode.yi)),
          "itl": \(rows(decode.itlGrid)),
          "thpt_per_gpu": \(rows(decode.throughputGrid))}}

        """
    }
}
