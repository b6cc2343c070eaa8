import Connectors
import Foundation
import HTTPTestSupport

/// A stand-in for Dynamo's frontend that replays a request trace in compressed
/// time and exposes what the real one does on /metrics: the
/// `dynamo_frontend_*` histograms and the request counter, labelled with
/// `model` and `dynamo_namespace`. A request counts once its (compressed)
/// arrival time has passed; its latencies come from a simple model (fixed TTFT
/// and ITL), so the interval means Prometheus computes are known exactly.
final class TestFrontend: @unchecked Sendable {
    struct Request {
        var arrivalSeconds: Double
        var isl: Int
        var osl: Int
    }

    let model: String
    let namespace: String
    let speedup: Double
    let ttftSeconds: Double
    let itlSeconds: Double
    private let requests: [Request]
    /// Prefix sums over `requests` (sorted by arrival): ISL, OSL.
    private let islPrefix: [Double]
    private let oslPrefix: [Double]
    private var startUptime: Double = 0
    private var server: LoopbackHTTPServer?

    /// `requests` in trace time; replayed `speedup` times faster than real time.
    init(requests: [Request], model: String, namespace: String, speedup: Double,
         ttftSeconds: Double = 0.08, itlSeconds: Double = 0.006) {
        self.requests = requests.sorted { $0.arrivalSeconds < $1.arrivalSeconds }
        self.model = model
        self.namespace = namespace
        self.speedup = speedup
        self.ttftSeconds = ttftSeconds
        self.itlSeconds = itlSeconds
        var i = [0.0], o = [0.0]
        for r in self.requests {
            i.append(i[i.count - 1] + Double(r.isl))
            o.append(o[o.count - 1] + Double(r.osl))
        }
        islPrefix = i
        oslPrefix = o
    }

    /// Starts serving; the replay clock starts now.
    func start() async throws -> LoopbackHTTPServer {
        startUptime = Self.uptime()
        let s = try await LoopbackHTTPServer.start { [self] request in
            guard request.path == "/metrics" else { return HTTPServerResponse(status: 404, body: "not found") }
            return HTTPServerResponse(contentType: "text/plain; version=0.0.4; charset=utf-8", body: render())
        }
        server = s
        return s
    }

    func stop() async { await server?.stop() }

    /// Trace seconds replayed so far.
    var traceSeconds: Double { (Self.uptime() - startUptime) * speedup }

    static func uptime() -> Double { Double(DispatchTime.now().uptimeNanoseconds) / 1e9 }

    /// Number of requests arrived by trace time `t`.
    private func arrived(by t: Double) -> Int {
        var lo = 0, hi = requests.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if requests[mid].arrivalSeconds <= t { lo = mid + 1 } else { hi = mid }
        }
        return lo
    }

    /// Finite `le` bounds of the latency histograms (seconds).
    static let latencyBuckets: [Double] = [0.005, 0.01, 0.05, 0.1, 0.5, 1]

    func render() -> String {
        let n = arrived(by: traceSeconds)
        let count = Double(n)
        let osl = oslPrefix[n]
        let tokensAfterFirst = osl - count
        let labels = "model=\"\(model)\",dynamo_namespace=\"\(namespace)\""
        var text = "# TYPE dynamo_frontend_requests_total counter\n"
        text += "dynamo_frontend_requests_total{\(labels)} \(count)\n"
        // A second model in the same namespace, which the planner must ignore.
        text += "dynamo_frontend_requests_total{model=\"other-model\",dynamo_namespace=\"\(namespace)\"} \(count * 10)\n"
        // Every observation of a latency histogram is its fixed value (ttftSeconds, itlSeconds):
        // the finite buckets at or above it hold them all, those below none.
        func histogram(_ name: String, sum: Double, count: Double, value: Double? = nil) {
            text += "# TYPE \(name) histogram\n"
            if let value {
                for le in Self.latencyBuckets {
                    text += "\(name)_bucket{\(labels),le=\"\(le)\"} \(value <= le ? count : 0)\n"
                }
            }
            text += "\(name)_bucket{\(labels),le=\"+Inf\"} \(count)\n"
            text += "\(name)_sum{\(labels)} \(sum)\n"
            text += "\(name)_count{\(labels)} \(count)\n"
        }
        histogram("dynamo_frontend_time_to_first_token_seconds", sum: count * ttftSeconds, count: count, value: ttftSeconds)
        histogram("dynamo_frontend_inter_token_latency_seconds", sum: tokensAfterFirst * itlSeconds, count: tokensAfterFirst,
                  value: itlSeconds)
        histogram("dynamo_frontend_request_duration_seconds", sum: count * ttftSeconds + tokensAfterFirst * itlSeconds, count: count)
        histogram("dynamo_frontend_input_sequence_tokens", sum: islPrefix[n], count: count)
        histogram("dynamo_frontend_output_sequence_tokens", sum: osl, count: count)
        return text
    }

    /// Requests at a steady `rate` per trace second for each phase (seconds, rate), fixed ISL/OSL.
    static func phases(_ phases: [(seconds: Double, rate: Double)], isl: Int, osl: Int) -> [Request] {
        var out: [Request] = []
        var t0 = 0.0
        for phase in phases {
            let n = Int(phase.seconds * phase.rate)
            for i in 0..<n { out.append(Request(arrivalSeconds: t0 + (Double(i) + 0.5) / phase.rate, isl: isl, osl: osl)) }
            t0 += phase.seconds
        }
        return out
    }
}
