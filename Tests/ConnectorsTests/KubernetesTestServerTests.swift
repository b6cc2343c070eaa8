@testable import Connectors
import Foundation
import KubernetesTestSupport
import XCTest

/// The API test server is strict where a cluster is: these pin what the
/// connector's tests rely on (RFC 7386 merge patch, generations, a delayed
/// operator, stale reads, failures answered as `Status` objects).
final class KubernetesTestServerTests: XCTestCase {
    func json(_ text: String) throws -> Any {
        try JSONSerialization.jsonObject(with: Data(text.utf8), options: [.fragmentsAllowed])
    }

    /// RFC 7386, Appendix A: every example, target + patch = result.
    func testMergePatchFollowsRFC7386() throws {
        let examples: [(String, String, String)] = [
            (#"{"a":"b"}"#, #"{"a":"c"}"#, #"{"a":"c"}"#),
            (#"{"a":"b"}"#, #"{"b":"c"}"#, #"{"a":"b","b":"c"}"#),
            (#"{"a":"b"}"#, #"{"a":null}"#, #"{}"#),
            (#"{"a":"b","b":"c"}"#, #"{"a":null}"#, #"{"b":"c"}"#),
            (#"{"a":["b"]}"#, #"{"a":"c"}"#, #"{"a":"c"}"#),
            (#"{"a":"c"}"#, #"{"a":["b"]}"#, #"{"a":["b"]}"#),
            (#"{"a":{"b":"c"}}"#, #"{"a":{"b":"d","c":null}}"#, #"{"a":{"b":"d"}}"#),
            (#"{"a":[{"b":"c"}]}"#, #"{"a":[1]}"#, #"{"a":[1]}"#),
            (#"["a","b"]"#, #"["c","d"]"#, #"["c","d"]"#),
            (#"{"a":"b"}"#, #"["c"]"#, #"["c"]"#),
            (#"{"a":"foo"}"#, #"null"#, #"null"#),
            (#"{"a":"foo"}"#, #""bar""#, #""bar""#),
            (#"{"e":null}"#, #"{"a":1}"#, #"{"a":1,"e":null}"#),
            (#"[1,2]"#, #"{"a":"b","c":null}"#, #"{"a":"b"}"#),
            (#"{}"#, #"{"a":{"bb":{"ccc":null}}}"#, #"{"a":{"bb":{}}}"#),
        ]
        for (target, patch, expected) in examples {
            let result = JSONMergePatch.apply(try json(patch), to: try json(target))
            XCTAssertEqual(JSONMergePatch.canonical(result), JSONMergePatch.canonical(try json(expected)), "\(target) + \(patch)")
        }
    }

    func makeServer(_ timing: OperatorTiming = .instant) async throws -> (KubernetesTestServer, KubernetesAPIClient) {
        let server = KubernetesTestServer(services: [
            "VllmDecodeWorker": KubernetesTestServer.service("decode", replicas: 3, gpus: 1),
        ], adapters: ["VllmDecodeWorker"], timing: timing)
        let url = try await server.start()
        let api = try KubernetesAPIClient(configuration: KubernetesAPIConfiguration(
            server: url, bearerToken: KubernetesTestServer.initialToken, namespace: "prod"))
        return (server, api)
    }

    func testPatchBumpsGenerationDeletesNullsAndRefusesBadInput() async throws {
        let (server, api) = try await makeServer()
        defer { Task { await server.stop() } }
        let before = server.currentGeneration
        let patch = try XCTUnwrap(KubernetesTestServer.object(#"{"spec":{"services":{"VllmDecodeWorker":{"resources":null,"replicas":4}}}}"#))
        let answer = try await api.mergePatch(server.deploymentPath, patch)
        XCTAssertEqual((answer["metadata"] as? [String: Any])?["generation"] as? Int, before + 1)
        XCTAssertNil(server.services["VllmDecodeWorker"]?["resources"], "null deletes the key")
        XCTAssertEqual(server.replicas("VllmDecodeWorker"), 4)
        _ = try await api.mergePatch(server.deploymentPath, ["metadata": ["labels": ["a": "b"]]])
        XCTAssertEqual(server.currentGeneration, before + 1, "metadata changes leave the generation alone")

        for (text, status) in [
            (#"{"spec":{"services":{"VllmDecodeWorker":{"replicas":-1}}}}"#, 422),
            (#"{"spec":{"services":{"VllmDecodeWorker":{"replicas":2.5}}}}"#, 422),
            (#"{"spec":{"services":{"Other":{"replicas":1}}}}"#, 422),
            (#"{"metadata":{"resourceVersion":"1"},"spec":{"services":{"VllmDecodeWorker":{"replicas":1}}}}"#, 409),
        ] {
            let patch = try XCTUnwrap(KubernetesTestServer.object(text))
            do {
                _ = try await api.mergePatch(server.deploymentPath, patch)
                XCTFail("\(patch) must be refused")
            } catch let e as KubernetesError {
                XCTAssertEqual(e.httpStatus, status, e.description)
            }
        }
        XCTAssertEqual(server.replicas("VllmDecodeWorker"), 4, "refused patches change nothing")
    }

    func testDelayedOperatorMovesOneReplicaAtATime() async throws {
        let (server, api) = try await makeServer(OperatorTiming(reactionSeconds: 0.15, stepSeconds: 0.1))
        defer { Task { await server.stop() } }
        _ = try await api.mergePatch(server.deploymentPath.replacingOccurrences(of: "dynamographdeployments/llama", with: "dynamographdeploymentscalingadapters/llama-vllmdecodeworker/scale"),
                                     ["spec": ["replicas": 5]])
        var seen: [(observed: Int, generation: Int, ready: Bool, readyReplicas: Int, available: Int)] = []
        let start = Date()
        while Date().timeIntervalSince(start) < 1.2 {
            let o = try await api.get(server.deploymentPath)
            let status = o["status"] as? [String: Any]
            let s = (status?["services"] as? [String: Any])?["VllmDecodeWorker"] as? [String: Any]
            let ready = (status?["conditions"] as? [[String: Any]])?.first?["status"] as? String == "True"
            seen.append((status?["observedGeneration"] as? Int ?? -1, (o["metadata"] as? [String: Any])?["generation"] as? Int ?? -1,
                         ready, s?["readyReplicas"] as? Int ?? -1, s?["availableReplicas"] as? Int ?? -1))
            try await Task.sleep(nanoseconds: 20_000_000)
        }
        let first = try XCTUnwrap(seen.first)
        XCTAssertLessThan(first.observed, first.generation, "the generation moves at once, the operator later")
        XCTAssertTrue(first.ready, "Ready is still True before the operator reacts")
        XCTAssertEqual(first.readyReplicas, 3)
        let readySequence = seen.map(\.ready).reduce(into: [Bool]()) { if $0.last != $1 { $0.append($1) } }
        XCTAssertEqual(readySequence, [true, false, true], "Ready goes False, then True")
        let counts = seen.map(\.readyReplicas).reduce(into: [Int]()) { if $0.last != $1 { $0.append($1) } }
        XCTAssertEqual(counts, [3, 4, 5], "one replica at a time")
        XCTAssertTrue(seen.contains { $0.available < $0.readyReplicas }, "availableReplicas trails readyReplicas")
        XCTAssertEqual(seen.last?.available, 5)
        XCTAssertEqual(seen.last?.observed, seen.last?.generation)
    }

    func testStaleReadsAndInjectedFailures() async throws {
        let (server, api) = try await makeServer()
        defer { Task { await server.stop() } }
        _ = try await api.mergePatch(server.deploymentPath, ["spec": ["services": ["VllmDecodeWorker": ["replicas": 6]]]])
        server.staleReads = 1
        let stale = try await api.get(server.deploymentPath)
        let fresh = try await api.get(server.deploymentPath)
        func replicas(_ o: [String: Any]) -> Int? {
            (((o["spec"] as? [String: Any])?["services"] as? [String: Any])?["VllmDecodeWorker"] as? [String: Any])?["replicas"] as? Int
        }
        XCTAssertEqual(replicas(stale), 3)
        XCTAssertEqual(replicas(fresh), 6)
        for status in [401, 403, 409, 422, 500] {
            server.failures = [.init("GET", "/llama", status)]
            do {
                _ = try await api.get(server.deploymentPath)
                XCTFail("expected \(status)")
            } catch let e as KubernetesError {
                XCTAssertEqual(e.httpStatus, status)
            }
        }
    }
}
