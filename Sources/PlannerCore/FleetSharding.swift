/// Which planner replica plans which deployment: rendezvous (highest random
/// weight) hashing over the live replicas. Every replica computes the same
/// owner from the same replica list, without talking to the others; when a
/// replica leaves, only its deployments move, spread over the rest.
public enum FleetSharding {
    /// The replica with the highest score for `deployment`; nil without replicas.
    /// Ties (practically impossible) go to the smaller replica id, so the answer
    /// does not depend on the list's order.
    public static func owner(of deployment: String, among replicas: [String]) -> String? {
        var best: (id: String, score: UInt64)?
        for r in replicas {
            let s = score(replica: r, deployment: deployment)
            if let b = best, s < b.score || (s == b.score && r >= b.id) { continue }
            best = (r, s)
        }
        return best?.id
    }

    /// The deployments `replica` owns, in the given order.
    public static func owned(by replica: String, of deployments: [String], among replicas: [String]) -> [String] {
        deployments.filter { owner(of: $0, among: replicas) == replica }
    }

    /// FNV-1a over the UTF-8 of replica, a separator and deployment, then the
    /// SplitMix64 finaliser so nearby names spread; stable across processes and
    /// platforms (Swift's `Hasher` is seeded per process and cannot be used).
    static func score(replica: String, deployment: String) -> UInt64 {
        var h: UInt64 = 0xCBF2_9CE4_8422_2325
        func mix(_ byte: UInt8) {
            h ^= UInt64(byte)
            h = h &* 0x0000_0100_0000_01B3
        }
        for b in replica.utf8 { mix(b) }
        mix(0)
        for b in deployment.utf8 { mix(b) }
        var z = h
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
