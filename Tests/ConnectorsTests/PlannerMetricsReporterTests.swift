@testable import Connectors
import AsyncHTTPClient
import NIOCore
import PlannerCore
import XCTest

final class PlannerMetricsReporterTests: XCTestCase {
    func state() -> PlannerState {
        var s = PlannerSettings()
        s.prefillEngineGPUs = 2
        s.decodeEngineGPUs = 4
        var state = PlannerState(workers: WorkerCounts(prefill: 1, decode: 1), settings: s)
        state.finishInterval(workers: WorkerCounts(prefill: 3, decode: 2),
                             observed: ObservedMetrics(ttftMilliseconds: 120, itlMilliseconds: 9.5, requestCount: 360,
                                                       isl: 3000, osl: 150, requestDurationSeconds: 4),
                             intervalSeconds: 180)
        state.corrections = CorrectionFactors(prefill: 0.8, decode: 1.25)
        state.record(predicted: PredictedLoad(requestCount: 540, isl: 2900, osl: 160),
                     decision: ScalingDecision(prefill: 4, decode: 3, requestedPrefill: 4, requestedDecode: 3,
                                               budgetLimited: false, decodeSLAInfeasible: false))
        return state
    }

    /// Value of an unlabelled sample line `name value` in exposition text.
    func value(_ name: String, in text: String) -> Double? {
        for line in text.split(separator: "\n") where line.hasPrefix(name + " ") {
            return Double(line.dropFirst(name.count + 1))
        }
        return nil
    }

    func testPublishesEveryGaugeOfTheSpec() {
        let reporter = PlannerMetricsReporter()
        reporter.publish(state(), intervalSeconds: 180)
        let text = reporter.render()
        let expected: [String: Double] = [
            "planner:num_p_workers": 3, "planner:num_d_workers": 2,
            "planner:observed_ttft": 120, "planner:observed_itl": 9.5, "planner:observed_request_rate": 2,
            "planner:observed_request_duration": 4, "planner:observed_isl": 3000, "planner:observed_osl": 150,
            "planner:p_correction_factor": 0.8, "planner:d_correction_factor": 1.25,
            "planner:predicted_request_rate": 3, "planner:predicted_isl": 2900, "planner:predicted_osl": 160,
            "planner:predicted_num_p": 4, "planner:predicted_num_d": 3,
            // (3·2 + 2·4) GPUs for 180 s = 0.7 GPU-hours.
            "planner:gpu_hours": 0.7,
        ]
        XCTAssertEqual(Set(expected.keys), Set(PlannerMetricsReporter.gaugeNames))
        for (name, v) in expected {
            XCTAssertEqual(value(name, in: text) ?? -1, v, accuracy: 1e-9, name)
            XCTAssertTrue(text.contains("# TYPE \(name) gauge"), name)
        }
    }

    func testServesMetricsOverHTTP() async throws {
        let reporter = PlannerMetricsReporter()
        reporter.publish(state(), intervalSeconds: 180)
        let server = try await reporter.serve(host: "127.0.0.1", port: 0)
        defer { Task { await server.stop() } }
        let response = try await HTTPClient.shared.execute(HTTPClientRequest(url: server.baseURL + "/metrics"), timeout: .seconds(5))
        XCTAssertEqual(response.status.code, 200)
        XCTAssertTrue(response.headers.first(name: "Content-Type")?.hasPrefix("text/plain; version=0.0.4") ?? false)
        let body = String(buffer: try await response.body.collect(upTo: 1 << 20))
        XCTAssertEqual(value("planner:num_p_workers", in: body), 3)
        let missing = try await HTTPClient.shared.execute(HTTPClientRequest(url: server.baseURL + "/other"), timeout: .seconds(5))
        XCTAssertEqual(missing.status.code, 404)
        await server.stop()
    }

    func testBusyPortIsAClearError() async throws {
        let first = try await PlannerMetricsReporter().serve(host: "127.0.0.1", port: 0)
        do {
            let second = try await PlannerMetricsReporter().serve(host: "127.0.0.1", port: first.port)
            await second.stop()
            XCTFail("binding a busy port must fail")
        } catch let e as PlannerMetricsError {
            XCTAssertTrue(e.description.contains("127.0.0.1:\(first.port)"), e.description)
        }
        await first.stop()
    }
}
