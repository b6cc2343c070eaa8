@testable import Connectors
import Foundation
import HTTPTestSupport
import KubernetesTestSupport
import PlannerCore
import XCTest

/// Issue 11: the numbers a Kubernetes API or Prometheus could send, at the extremes, read
/// without a trap: used (saturated where arithmetic follows) or refused with an error that
/// names the field. (etcd values: IntegrationTests/ExtremeEtcdValueTests, on a real etcd.)
final class ExtremeConnectorValueTests: XCTestCase {
    /// The values as JSON would carry them: numbers where JSON has them (2^63 and
    /// UInt64.max as unsigned integers), text for the non-finite ones.
    static let jsonValues: [Any] = [
        0, -1, 1, 1 << 31, (1 << 53) + 1, 1 << 62, Int.max, UInt64(1) << 63, UInt64.max,
        1e19, 1e308, 1e-320, 2.5, "inf", "-inf", "nan", "9223372036854775808",
    ]

    // MARK: - Kubernetes

    func testDeploymentNumbersAreSaturatedOrRefusedNamingTheField() async throws {
        for value in Self.jsonValues {
            let server = KubernetesTestServer(services: [
                "VllmPrefillWorker": ["replicas": value, "subComponentType": "prefill",
                                      "resources": ["limits": ["gpu": value]]],
                "VllmDecodeWorker": KubernetesTestServer.service("decode", replicas: 1, gpus: 1),
            ], adapters: ["VllmPrefillWorker"])
            let base = try await server.start()
            let api = try KubernetesAPIClient(configuration: KubernetesAPIConfiguration(
                server: base, bearerToken: server.token, namespace: "prod"), timeoutSeconds: .infinity)
            let connector = KubernetesConnector(api: api, deploymentName: "llama", backend: "vllm")
            connector.pollSeconds = .infinity   // capped by the (short) readiness timeout
            connector.readinessTimeoutSeconds = 0.05

            // The test server mirrors the spec into the status, so a bad count is also a bad serving count.
            do {
                let counts = try await connector.currentWorkerCounts()
                XCTAssertEqual(counts.decode, 1)
            } catch let e as KubernetesError {
                XCTAssertTrue("\(e)".contains("VllmPrefillWorker.availableReplicas") || "\(e)".contains("VllmPrefillWorker.replicas"),
                              "\(value): \(e)")
            }
            do {
                let gpus = try await connector.gpusPerWorker().resolved(prefillFlag: nil, decodeFlag: nil, planned: [.prefill, .decode])
                XCTAssertTrue(PlannerLimits.gpusPerEngine.contains(gpus.prefill), "\(value): \(gpus)")
            } catch let e as KubernetesError {
                XCTAssertTrue("\(e)".contains("VllmPrefillWorker.resources.limits.gpu"), "\(value): \(e)")
            }
            for step in [connector.addComponent, connector.removeComponent] {
                do { try await step(.prefill, false) } catch let e as KubernetesError {
                    XCTAssertFalse("\(e)".isEmpty)
                }
            }
            // Int.max replicas are refused naming the field (counts are at most 2^31 - 1), so nothing is patched.
            if let n = value as? Int, n == .max {
                XCTAssertEqual(server.patches().map(\.body), [])
            }
            do { try await connector.waitForDeploymentReady() } catch let e as KubernetesError {
                XCTAssertFalse("\(e)".isEmpty)
            }
            await server.stop()
        }
    }

    // MARK: - Prometheus

    func testPrometheusSamplesAtTheExtremesAreReadAsNumbers() async throws {
        let responder = PrometheusQueryClientTests.Responder()
        let server = try await LoopbackHTTPServer.start { await responder.handle($0) }
        defer { Task { await server.stop() } }
        let client = try PrometheusQueryClient(endpoint: server.baseURL, modelName: "m", namespace: "dynamo",
                                               timeoutSeconds: 5)
        let labels = ["model": "m", "dynamo_namespace": "dynamo"]
        let texts = ["0", "-1", "1", "2147483648", "9007199254740993", "4611686018427387904", "9223372036854775807",
                     "1e+19", "1e+308", "+Inf", "-Inf", "NaN", "1e-320", "1e400"]
        for text in texts {
            responder.lock.withLock {
                for h in PrometheusQueryClient.Histogram.allCases { responder.answers[h.rawValue] = PrometheusQueryClientTests.Responder.vector([(labels, text)]) }
                responder.answers[PrometheusQueryClient.requestCounter] = PrometheusQueryClientTests.Responder.vector([(labels, text)])
            }
            let observed = try await client.observe(intervalSeconds: 60)
            let expected = ["+Inf": Double.infinity, "-Inf": -.infinity, "NaN": .nan][text] ?? Double(text)!
            XCTAssertEqual(observed.requestCount.map { $0.bitPattern == expected.bitPattern || $0 == expected }, true, text)
            XCTAssertEqual(observed.isl.map { $0.isNaN == expected.isNaN }, true, text)
            // The planner's own gauges take whatever came in.
            var state = PlannerState(workers: WorkerCounts(prefill: Int.max, decode: Int.max), settings: PlannerSettings())
            state.finishInterval(workers: state.workers, observed: observed, intervalSeconds: 60)
            let reporter = PlannerMetricsReporter()
            reporter.publish(state, intervalSeconds: 60)
            XCTAssertTrue(reporter.render().contains("planner:observed_isl"))
        }
    }
}
