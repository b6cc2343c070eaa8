import Connectors
import Foundation
import PlannerCore
import XCTest

/// The batched virtual connector of a fleet against a real etcd: the keys it writes are
/// the one-deployment connector's, byte for byte; transactions are chunked; a decision
/// whose `decision_id` moved since the read is decided again on the fresh state.
final class FleetVirtualConnectorTests: XCTestCase {
    var client: EtcdClient!

    override func setUp() async throws {
        let etcd = try await EtcdProcess.startSingle(for: self)
        client = EtcdClient(endpoints: try EtcdEndpoints([etcd.clientURL]))
    }

    func targets(_ p: Int, _ d: Int) -> [TargetReplica] {
        [TargetReplica(component: .prefill, replicas: p), TargetReplica(component: .decode, replicas: d)]
    }

    /// key suffix → value under `v1/ns/planner/`.
    func keys(_ ns: String) async throws -> [String: String] {
        let prefix = "v1/\(ns)/planner/"
        return Dictionary(uniqueKeysWithValues: try await client.getPrefix(prefix).kvs.map {
            (String($0.key.dropFirst(prefix.count)), $0.value)
        })
    }

    func testChunkedWritesAreTheSingleConnectorsKeys() async throws {
        let names = (0..<10).map { "fv\($0)" }
        // 9 operations per transaction: three decisions each, four transactions for ten.
        let fleet = try FleetVirtualConnector(client: client, namespaces: names, maxTxnOps: 9, concurrency: 2)
        let single = try VirtualConnector(client: client, namespace: "single")
        try await single.setComponentReplicas(targets(2, 5), blocking: false)

        let counts = await fleet.currentWorkerCounts(of: names)
        XCTAssertEqual(counts.compactMap { try? $0.get() }, Array(repeating: WorkerCounts(prefill: 0, decode: 0), count: 10))
        let errors = await fleet.setComponentReplicas(names.map { FleetScalingRequest(deployment: $0, targets: targets(2, 5)) })
        XCTAssertTrue(errors.allSatisfy { $0 == nil }, "\(errors)")
        let reference = try await keys("single")
        XCTAssertEqual(reference, ["num_prefill_workers": "2", "num_decode_workers": "5", "decision_id": "0"])
        for ns in names {
            let written = try await keys(ns)
            XCTAssertEqual(written, reference, ns)
        }
        // Unchanged counts write nothing; an unacknowledged decision holds the next one back.
        let again = await fleet.setComponentReplicas(names.map { FleetScalingRequest(deployment: $0, targets: targets(2, 5)) })
        XCTAssertTrue(again.allSatisfy { $0 == nil })
        _ = await fleet.setComponentReplicas([FleetScalingRequest(deployment: "fv0", targets: targets(3, 5))])
        let held = try await keys("fv0")
        XCTAssertEqual(held["decision_id"], "0", "decision 0 not acknowledged: decision 1 held back")
        // Bad requests fail alone, naming what is wrong.
        let bad = await fleet.setComponentReplicas([FleetScalingRequest(deployment: "fv1", targets: []),
                                                    FleetScalingRequest(deployment: "nope", targets: targets(1, 1)),
                                                    FleetScalingRequest(deployment: "fv2", targets: targets(1, 1))])
        XCTAssertEqual(bad[0] as? VirtualConnectorError, .emptyTargetList)
        XCTAssertTrue("\(bad[1].map { "\($0)" } ?? "")".contains("nope"))
        XCTAssertNil(bad[2])
        let fv2 = try await keys("fv2")
        XCTAssertEqual(fv2["decision_id"], "0", "fv2's decision 0 is still unacknowledged: held back")
    }

    func testADecisionWrittenByAnotherPlannerSinceTheReadIsDecidedAgain() async throws {
        let names = ["fa", "fb", "fc"]
        let fleet = try FleetVirtualConnector(client: client, namespaces: names)
        _ = await fleet.currentWorkerCounts(of: names)
        // Another planner writes decision 0 for fb (acknowledged) after the fleet read fb's keys.
        let other = try VirtualConnector(client: client, namespace: "fb")
        try await other.setComponentReplicas(targets(4, 4), blocking: false)
        try await client.put("v1/fb/planner/scaled_decision_id", "0")

        let errors = await fleet.setComponentReplicas(names.map { FleetScalingRequest(deployment: $0, targets: targets(1, 2)) })
        XCTAssertTrue(errors.allSatisfy { $0 == nil }, "\(errors)")
        let fa = try await keys("fa"), fb = try await keys("fb"), fc = try await keys("fc")
        XCTAssertEqual(fa["decision_id"], "0")
        XCTAssertEqual(fc["decision_id"], "0")
        XCTAssertEqual(fb["decision_id"], "1", "fb's decision follows the other planner's 0, not a second 0")
        XCTAssertEqual(fb["num_prefill_workers"], "1")
        let counts = await fleet.currentWorkerCounts(of: ["fb"])
        XCTAssertEqual(try counts[0].get(), WorkerCounts(prefill: 1, decode: 2))
    }

    func testReadsBetweenFullReadsSeeEveryChangeAndFullReadsSeeDeletions() async throws {
        let names = ["ia", "ib", "ic"]
        let fleet = try FleetVirtualConnector(client: client, namespaces: names, fullReadEvery: 4)
        try await client.put("v1/ia/planner/num_prefill_workers", "2")
        let first = await fleet.currentWorkerCounts(of: names) // full
        XCTAssertEqual(try first[0].get(), WorkerCounts(prefill: 2, decode: 0))
        // Changed by somebody else between reads: seen by the next (incremental) read.
        try await client.put("v1/ib/planner/num_decode_workers", "7")
        try await client.put("v1/ia/planner/num_prefill_workers", "3")
        try await client.put("v1/ib-other/planner/num_decode_workers", "9") // not managed here
        let second = await fleet.currentWorkerCounts(of: names)
        XCTAssertEqual(try second.map { try $0.get() }, [WorkerCounts(prefill: 3, decode: 0), WorkerCounts(prefill: 0, decode: 7),
                                                         WorkerCounts(prefill: 0, decode: 0)])
        // Our own decision, then an acknowledgement and a decision by another planner.
        let errors = await fleet.setComponentReplicas([FleetScalingRequest(deployment: "ic", targets: targets(1, 1))])
        XCTAssertNil(errors[0])
        try await client.put("v1/ic/planner/scaled_decision_id", "0")
        let other = try VirtualConnector(client: client, namespace: "ic")
        try await other.setComponentReplicas(targets(5, 5), blocking: false)
        let third = await fleet.currentWorkerCounts(of: ["ic"])
        XCTAssertEqual(try third[0].get(), WorkerCounts(prefill: 5, decode: 5))
        // A deletion is not a change a range reports: seen at the next full read (the 5th: 1, 5, 9, …).
        try await client.delete("v1/ia/planner/num_prefill_workers")
        let fourth = await fleet.currentWorkerCounts(of: ["ia"])
        XCTAssertEqual(try fourth[0].get(), WorkerCounts(prefill: 3, decode: 0), "4th read: changes only")
        let fifth = await fleet.currentWorkerCounts(of: ["ia"])
        XCTAssertEqual(try fifth[0].get(), WorkerCounts(prefill: 0, decode: 0), "5th read is a full one")
        // The next decision of ic follows the other planner's id 1 once acknowledged.
        try await client.put("v1/ic/planner/scaled_decision_id", "1")
        _ = await fleet.currentWorkerCounts(of: ["ic"])
        let next = await fleet.setComponentReplicas([FleetScalingRequest(deployment: "ic", targets: targets(2, 2))])
        XCTAssertNil(next[0])
        let ic = try await keys("ic")
        XCTAssertEqual(ic["decision_id"], "2")
    }
}
