import XCTest
@testable import PlannerCore

final class FleetShardingTests: XCTestCase {
    let deployments = (0..<10_000).map { "ns-\($0)" }

    func testEveryDeploymentHasExactlyOneOwnerAndLoadIsBalanced() {
        let replicas = ["planner-a", "planner-b", "planner-c"]
        var counts: [String: Int] = [:]
        for d in deployments { counts[FleetSharding.owner(of: d, among: replicas) ?? "none", default: 0] += 1 }
        XCTAssertEqual(counts.values.reduce(0, +), deployments.count)
        XCTAssertNil(counts["none"])
        for r in replicas { XCTAssertEqual(Double(counts[r] ?? 0), 10_000 / 3, accuracy: 250, "\(r): \(counts)") }
        let owned = replicas.map { FleetSharding.owned(by: $0, of: deployments, among: replicas) }
        XCTAssertEqual(Set(owned.joined()).count, deployments.count, "no deployment owned twice")
    }

    func testOrderOfReplicasDoesNotMatter() {
        for d in deployments.prefix(500) {
            XCTAssertEqual(FleetSharding.owner(of: d, among: ["x", "y", "z"]), FleetSharding.owner(of: d, among: ["z", "x", "y"]))
        }
        XCTAssertNil(FleetSharding.owner(of: "ns", among: []))
    }

    /// A replica leaving moves only its own deployments; the rest stay put.
    func testOnlyTheLeaversDeploymentsMove() {
        let before = ["a", "b", "c"], after = ["a", "c"]
        var moved = 0
        for d in deployments {
            let was = FleetSharding.owner(of: d, among: before), now = FleetSharding.owner(of: d, among: after)
            if was != "b" { XCTAssertEqual(was, now, d) } else { moved += 1 }
        }
        XCTAssertGreaterThan(moved, 3000)
    }

    /// Fixed scores: the function must not change between versions, or replicas
    /// of two versions would disagree about ownership.
    func testScoresAreStable() {
        XCTAssertEqual(FleetSharding.owner(of: "ns-0", among: ["a", "b", "c"]),
                       FleetSharding.owner(of: "ns-0", among: ["c", "b", "a"]))
        // Computed by an independent Python transcription of FNV-1a 64 + SplitMix64's finaliser.
        XCTAssertEqual(FleetSharding.score(replica: "planner-a", deployment: "ns-0"), 0x1B35_B1F2_76B5_CFAA)
        XCTAssertEqual(FleetSharding.score(replica: "planner-b", deployment: "ns-0"), 0xB49B_F977_808E_0C66)
        XCTAssertEqual(FleetSharding.score(replica: "r0", deployment: "team-a"), 0xD53A_AEC2_EE6B_79D4)
        XCTAssertNotEqual(FleetSharding.score(replica: "a", deployment: "bc"), FleetSharding.score(replica: "ab", deployment: "c"))
    }
}
