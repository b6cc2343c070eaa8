@testable import Connectors
import Foundation
import KubernetesTestSupport
import PlannerCore
import XCTest

/// Numbers in Kubernetes JSON that do not fit (≥ 2^63, negative, fractions,
/// booleans, junk strings) are refused with one line naming the field; none traps.
final class KubernetesNumberTests: XCTestCase {
    var server: KubernetesTestServer!
    var baseURL = ""

    override func setUp() async throws {
        server = KubernetesTestServer(services: [:])
        baseURL = try await server.start()
    }

    override func tearDown() async throws {
        await server.stop()
    }

    func connector() throws -> KubernetesConnector {
        let api = try KubernetesAPIClient(configuration: KubernetesAPIConfiguration(
            server: baseURL, bearerToken: KubernetesTestServer.initialToken, namespace: "prod"))
        return KubernetesConnector(api: api, deploymentName: "llama")
    }

    /// A DGD whose `field` (one of the placeholders) holds `value` written verbatim.
    func body(specReplicas: String = "2", available: String = "2", gpu: String = "\"1\"", generation: String = "3") -> String {
        """
        {"apiVersion":"nvidia.com/v1alpha1","kind":"DynamoGraphDeployment",
         "metadata":{"name":"llama","namespace":"prod","generation":\(generation)},
         "spec":{"services":{
           "VllmPrefillWorker":{"subComponentType":"prefill","replicas":\(specReplicas),"resources":{"limits":{"gpu":\(gpu)}}},
           "VllmDecodeWorker":{"subComponentType":"decode","replicas":1}}},
         "status":{"observedGeneration":3,"conditions":[{"type":"Ready","status":"True"}],
           "services":{"VllmPrefillWorker":{"readyReplicas":2,"availableReplicas":\(available),"updatedReplicas":2},
                       "VllmDecodeWorker":{"readyReplicas":1,"availableReplicas":1,"updatedReplicas":1}}}}
        """
    }

    static let junk = ["9223372036854775808", "1e19", "18446744073709551616", "-3", "2.5", "true", "\"abc\"", "\"2.5\"", "4294967296"]

    func testSpecReplicasNeverTrap() async throws {
        for value in Self.junk {
            server.rawDeploymentBody = body(specReplicas: value)
            await assertRefused(field: "spec.services.VllmPrefillWorker.replicas", value: value) {
                try await self.connector().setComponentReplicas([TargetReplica(component: .prefill, replicas: 1)], blocking: false)
            }
            await assertRefused(field: "spec.services.VllmPrefillWorker.replicas", value: value) {
                try await self.connector().validateDeployment()
            }
        }
    }

    func testStatusReplicasNeverTrap() async throws {
        for value in Self.junk {
            server.rawDeploymentBody = body(available: value)
            await assertRefused(field: "status.services.VllmPrefillWorker.availableReplicas", value: value) {
                _ = try await self.connector().currentWorkerCounts()
            }
        }
    }

    func testGPUCountsAndGenerationsNeverTrap() async throws {
        for value in Self.junk {
            server.rawDeploymentBody = body(gpu: value)
            await assertRefused(field: "spec.services.VllmPrefillWorker.resources.limits.gpu", value: value) {
                _ = try await self.connector().gpusPerWorker()
            }
        }
        for value in ["1e19", "-1", "2.5", "true", "18446744073709551616"] {
            server.rawDeploymentBody = body(generation: value)
            let c = try connector()
            c.pollSeconds = 0.01
            c.readinessTimeoutSeconds = 2
            await assertRefused(field: "metadata.generation", value: value) { try await c.waitForDeploymentReady() }
        }
    }

    func testUnrepresentableNumberIsAnErrorNotACrash() async throws {
        server.rawDeploymentBody = body(specReplicas: "1e400")
        do {
            _ = try await connector().currentWorkerCounts()
            XCTFail("expected an error")
        } catch let e as KubernetesError {
            XCTAssertTrue(e.description.contains("not valid JSON"), e.description)
        }
    }

    func assertRefused(field: String, value: String, line: UInt = #line, _ body: () async throws -> Void) async {
        do {
            try await body()
            XCTFail("\(field) = \(value) must be refused", line: line)
        } catch let e as KubernetesError {
            XCTAssertTrue(e.description.contains(field), "\(value): \(e.description)", line: line)
            XCTAssertFalse(e.description.contains("\n"), "one line: \(e.description)", line: line)
        } catch {
            XCTFail("\(value): unexpected \(error)", line: line)
        }
    }
}
