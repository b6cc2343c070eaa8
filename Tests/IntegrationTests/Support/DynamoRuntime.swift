import Foundation
import TestPeers

/// Dynamo 1.0.2's runtime from PyPI, in the virtualenv `scripts/dynamo-venv.sh` builds under
/// .build/ (or the python named by DYNAMO_PYTHON), running the peer scripts of tools/dynamo/.
enum DynamoRuntime {
    static var python: String? {
        if let given = ProcessInfo.processInfo.environment["DYNAMO_PYTHON"], !given.isEmpty { return given }
        let venv = PlannerProcess.repositoryRoot.appendingPathComponent(".build/dynamo-1.0.2-runtime/bin/python").path
        return FileManager.default.isExecutableFile(atPath: venv) ? venv : nil
    }

    /// The venv's python; skips (fails under CI=true) when it is missing.
    static func requirePython() throws -> String {
        guard let python else {
            throw TestPeers.missing("Dynamo 1.0.2's runtime venv is missing: run scripts/dynamo-venv.sh (scripts/test.sh does)")
        }
        return python
    }

    static func script(_ name: String) -> String {
        PlannerProcess.repositoryRoot.appendingPathComponent("tools/dynamo/\(name)").path
    }

    /// One JSON object per stdout line (other lines skipped).
    static func jsonLines(_ text: String) -> [[String: Any]] {
        text.split(separator: "\n").compactMap {
            (try? JSONSerialization.jsonObject(with: Data($0.utf8))) as? [String: Any]
        }
    }
}
