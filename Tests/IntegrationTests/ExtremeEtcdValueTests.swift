import Connectors
import Foundation
import PlannerCore
import XCTest

/// Issue 11 on a real etcd: each key of the virtual connector holding each extreme value
/// (the others valid) is read by the coordinator and the environment's client without a
/// trap: counts outside `PlannerLimits.replicas` read as 0, a `decision_id` of Int.max
/// refuses to issue a next id with an error naming the key.
final class ExtremeEtcdValueTests: XCTestCase {
    static let values = ["0", "-1", "1", "2147483648", "9007199254740993", "4611686018427387904",
                         "9223372036854775807", "9223372036854775808", "-9223372036854775808",
                         "1e19", "1e308", "inf", "-inf", "nan", "1e-320", ""]
    static let keys = ["num_prefill_workers", "num_decode_workers", "decision_id", "scaled_decision_id"]

    var etcd: EtcdProcess!
    var client: EtcdClient!

    override func setUp() async throws {
        let started = try await EtcdProcess.startSingle(for: self)
        etcd = started
        client = EtcdClient(endpoints: try EtcdEndpoints([started.clientURL]))
    }

    func testEveryKeyAtEveryExtremeValue() async throws {
        for (k, key) in Self.keys.enumerated() {
            for (i, value) in Self.values.enumerated() {
                let namespace = "extreme-\(k)-\(i)"
                let prefix = "v1/\(namespace)/planner/"
                let valid = ["num_prefill_workers": "1", "num_decode_workers": "1", "decision_id": "3", "scaled_decision_id": "3"]
                for (name, v) in valid { try await client.put(prefix + name, name == key ? value : v) }
                let context = "\(key)=`\(value)`"

                let connector = try VirtualConnector(client: client, namespace: namespace,
                                                     timing: VirtualConnectorTiming(maxWaitSeconds: 0.05, checkIntervalSeconds: 0.01))
                let counts = try await connector.currentWorkerCounts()
                XCTAssertTrue(PlannerLimits.replicas.contains(counts.prefill) && PlannerLimits.replicas.contains(counts.decode),
                              "\(context): \(counts)")
                for attempt in 0..<2 {   // the second goes past an unacknowledged decision after max wait
                    do {
                        _ = try await connector.coordinator.updateScalingDecision(prefill: 5 + attempt, decode: 5 + attempt)
                    } catch let e as VirtualConnectorError {
                        XCTAssertTrue(key == "decision_id" && value == "9223372036854775807", "\(context): \(e)")
                        XCTAssertTrue("\(e)".contains(prefix + "decision_id"), "\(e)")
                    }
                    try await Task.sleep(nanoseconds: 60_000_000)
                }
                do { try await connector.addComponent(.prefill, blocking: true) } catch let e as VirtualConnectorError {
                    XCTAssertFalse("\(e)".isEmpty)
                }
                _ = try await connector.coordinator.waitForScalingCompletion()

                let environment = try VirtualConnectorClient(client: client, namespace: namespace)
                let decision = try await environment.get()
                if decision.isPending { try await environment.complete(decision) }
            }
        }
    }
}
