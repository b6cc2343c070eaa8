import Connectors
import Foundation
import KubernetesTestSupport
import XCTest

/// The DGD list (`GET …/namespaces/NS/dynamographdeployments`) against the fleet test
/// server, and the Dynamo-namespace naming a Kubernetes fleet relies on.
final class KubernetesDeploymentListTests: XCTestCase {
    var server: KubernetesFleetTestServer!
    var api: KubernetesAPIClient!

    override func setUp() async throws {
        server = KubernetesFleetTestServer(namespace: "prod")
        let url = try await server.start()
        api = try KubernetesAPIClient(configuration: KubernetesAPIConfiguration(
            server: url, bearerToken: KubernetesTestServer.initialToken, namespace: "prod"))
    }

    override func tearDown() async throws {
        await server.stop()
    }

    func testListsTheDGDsPresentAndRoutesEachDGDsPaths() async throws {
        let services = KubernetesTestServer.vllmServices(args: ["python3 -m dynamo.vllm --served-model-name m"])
        server.add(KubernetesTestServer(namespace: "prod", name: "llama", services: services))
        server.add(KubernetesTestServer(namespace: "prod", name: "qwen3-0.6b", services: services))
        let names = try await api.listDynamoGraphDeployments(namespace: "prod").map(\.name)
        XCTAssertEqual(names, ["llama", "qwen3-0.6b"])
        let one = try await KubernetesConnector(api: api, deploymentName: "qwen3-0.6b").currentWorkerCounts()
        XCTAssertEqual([one.prefill, one.decode], [2, 3])
        server.delete("llama")
        let after = try await api.listDynamoGraphDeployments(namespace: "prod").map(\.name)
        XCTAssertEqual(after, ["qwen3-0.6b"])
        do {
            _ = try await KubernetesConnector(api: api, deploymentName: "llama").currentWorkerCounts()
            XCTFail("a deleted DGD answers 404")
        } catch let e as KubernetesError {
            XCTAssertEqual(e.httpStatus, 404, "\(e)")
        }
    }

    func testUnreadableListsAreErrorsNamingThePath() async throws {
        server.enqueueList(.raw("{\"items\": 5}"), .raw("{\"items\": [{\"metadata\": {\"name\": \"\"}}]}"), .raw("[1,"), .status(403))
        var messages: [String] = []
        for _ in 0..<4 {
            do {
                _ = try await api.listDynamoGraphDeployments(namespace: "prod")
                XCTFail("an unreadable list is an error")
            } catch {
                messages.append("\(error)")
            }
        }
        XCTAssertTrue(messages[0].contains("no `items` list"), messages[0])
        XCTAssertTrue(messages[1].contains("items[0] has no metadata.name"), messages[1])
        XCTAssertTrue(messages[2].contains("not valid JSON"), messages[2])
        XCTAssertTrue(messages[3].contains("HTTP 403"), messages[3])
        XCTAssertTrue(messages.allSatisfy { $0.contains("/apis/nvidia.com/v1alpha1/namespaces/prod/dynamographdeployments") }, "\(messages)")
        XCTAssertEqual(server.listStatuses, [200, 200, 200, 403])
    }

    func testDynamoNamespaceNaming() throws {
        XCTAssertEqual(DynamoNamespaceNaming.dynamoNamespace(kubernetesNamespace: "prod", deployment: "qwen3-0.6b"), "prod-qwen3-0-6b")
        XCTAssertEqual(try DynamoNamespaceNaming.deploymentName(dynamoNamespace: "prod-llama", kubernetesNamespace: "prod"), "llama")
        for bad in ["prod-", "prod", "team-a"] {
            XCTAssertThrowsError(try DynamoNamespaceNaming.deploymentName(dynamoNamespace: bad, kubernetesNamespace: "prod")) {
                XCTAssertTrue("\($0)".contains("`dgd:`"), "\($0)")
            }
        }
    }
}
