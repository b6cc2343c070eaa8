import Foundation
import PlannerCore

/// The planner's control API (Dynamo 1.x's `/v1/min-endpoints`, plus state and pause):
/// - `GET /v1/min-endpoints`: the endpoint floors and GPU budgets in effect;
/// - `PATCH /v1/min-endpoints`: a JSON object with any of `min_endpoint`,
///   `prefill_min_endpoint`, `decode_min_endpoint`, `min_gpu_budget`, `max_gpu_budget`
///   (integers); applied from the next interval; 400 with the reason otherwise;
/// - `GET /v1/state`: the last observation, forecast, decision, estimates and reason;
/// - `POST /v1/pause`, `POST /v1/resume`: a paused planner observes and decides but never scales.
/// Unauthenticated, so `planner run` binds it to loopback unless told otherwise.
public struct ControlAPI: Sendable {
    public let controls: PlannerControls

    public init(controls: PlannerControls) {
        self.controls = controls
    }

    public var routes: [PlannerHTTPServer.Route] {
        let controls = self.controls
        return [
            .init("GET", "/v1/min-endpoints") { _ in Self.json(Self.limitsJSON(controls.limits)) },
            .init("PATCH", "/v1/min-endpoints") { request in Self.patch(request.body, controls: controls) },
            .init("GET", "/v1/state") { _ in Self.json(Self.stateJSON(controls)) },
            .init("POST", "/v1/pause") { _ in controls.pause(); return Self.json("{\"paused\": true}") },
            .init("POST", "/v1/resume") { _ in controls.resume(); return Self.json("{\"paused\": false}") },
        ]
    }

    static let patchFields = ["min_endpoint", "prefill_min_endpoint", "decode_min_endpoint", "min_gpu_budget", "max_gpu_budget"]

    /// Validates the whole body before changing anything.
    static func patch(_ body: String, controls: PlannerControls) -> HTTPServerResponse {
        let object: Any
        do {
            object = try JSONSerialization.jsonObject(with: Data(body.utf8), options: [.fragmentsAllowed])
        } catch {
            return badRequest("request body must be valid JSON")
        }
        guard let fields = object as? [String: Any] else { return badRequest("request body must be a JSON object") }
        guard !fields.isEmpty else { return badRequest("request body must set at least one of \(patchFields.joined(separator: ", "))") }
        var values: [String: Int] = [:]
        for key in fields.keys.sorted() {
            guard patchFields.contains(key) else {
                return badRequest("unknown field '\(key)' (allowed: \(patchFields.joined(separator: ", ")))")
            }
            guard let value = integer(fields[key]) else {
                return badRequest("\(key) must be an integer, got \(describe(fields[key]))")
            }
            let lowest = key.hasSuffix("gpu_budget") ? -1 : (key == "min_endpoint" ? 0 : 1)
            guard (lowest...PlannerSettings.largestCount).contains(value) else {
                return badRequest("\(key) must be between \(lowest) and \(PlannerSettings.largestCount), got \(value)")
            }
            values[key] = value
        }
        do {
            let limits = try controls.update { l in
                if let v = values["min_endpoint"] { l.minEndpoint = v }
                if let v = values["prefill_min_endpoint"] { l.prefillMinEndpoint = v }
                if let v = values["decode_min_endpoint"] { l.decodeMinEndpoint = v }
                if let v = values["min_gpu_budget"] { l.minGPUBudget = v }
                if let v = values["max_gpu_budget"] { l.maxGPUBudget = v }
            }
            return json(limitsJSON(limits))
        } catch let e as PlannerSettingsError {
            return badRequest(e.description)
        } catch {
            return badRequest("\(error)")
        }
    }

    /// A JSON integer (not a boolean, not a fraction, within Int).
    static func integer(_ value: Any?) -> Int? {
        guard let n = value as? NSNumber, !isBoolean(n) else { return nil }
        let d = n.doubleValue
        guard d.isFinite, d == d.rounded(), abs(d) < 9.0e15 else { return nil }
        return Int(d)
    }

    /// JSON true/false arrive as NSNumber too; their type code is `c` (char).
    static func isBoolean(_ n: NSNumber) -> Bool {
        n is Bool && String(cString: n.objCType) == "c"
    }

    static func describe(_ value: Any?) -> String {
        switch value {
        case is NSNull, nil: return "null"
        case let n as NSNumber where isBoolean(n): return "a boolean"
        case let n as NSNumber: return "\(n)"
        case is String: return "a string"
        default: return "a \(type(of: value!))"
        }
    }

    static func limitsJSON(_ l: RuntimeLimits) -> String {
        func opt(_ v: Int?) -> String { v.map(String.init) ?? "null" }
        return "{\"min_endpoint\": \(l.minEndpoint), \"prefill_min_endpoint\": \(opt(l.prefillMinEndpoint)), "
            + "\"decode_min_endpoint\": \(opt(l.decodeMinEndpoint)), \"min_gpu_budget\": \(l.minGPUBudget), "
            + "\"max_gpu_budget\": \(l.maxGPUBudget)}"
    }

    static func stateJSON(_ controls: PlannerControls) -> String {
        let (state, reason, paused) = controls.snapshot()
        func num(_ v: Double?) -> String { v.flatMap { $0.isFinite ? "\($0)" : nil } ?? "null" }
        var parts = ["\"paused\": \(paused)", "\"reason\": \(reason.map { "\"\($0.rawValue)\"" } ?? "null")"]
        parts.append("\"limits\": \(limitsJSON(controls.limits))")
        guard let s = state else {
            parts.append("\"intervals\": 0")
            return "{" + parts.joined(separator: ", ") + "}"
        }
        parts.append("\"intervals\": \(s.intervals)")
        parts.append("\"workers\": {\"prefill\": \(s.workers.prefill), \"decode\": \(s.workers.decode)}")
        if let o = s.observed {
            parts.append("\"observed\": {\"ttft_ms\": \(num(o.ttftMilliseconds)), \"itl_ms\": \(num(o.itlMilliseconds)), "
                + "\"request_count\": \(num(o.requestCount)), \"isl\": \(num(o.isl)), \"osl\": \(num(o.osl)), "
                + "\"request_duration_s\": \(num(o.requestDurationSeconds))}")
        } else {
            parts.append("\"observed\": null")
        }
        if let p = s.predicted {
            parts.append("\"forecast\": {\"request_count\": \(num(p.requestCount)), \"isl\": \(num(p.isl)), \"osl\": \(num(p.osl))}")
        } else {
            parts.append("\"forecast\": null")
        }
        if let d = s.decision {
            parts.append("\"decision\": {\"prefill\": \(d.prefill), \"decode\": \(d.decode), "
                + "\"requested_prefill\": \(d.requestedPrefill), \"requested_decode\": \(d.requestedDecode), "
                + "\"budget_limited\": \(d.budgetLimited), \"decode_sla_infeasible\": \(d.decodeSLAInfeasible)}")
        } else {
            parts.append("\"decision\": null")
        }
        if let e = s.explanation {
            parts.append("\"estimates\": {\"ttft_ms\": \(num(e.estimatedTTFTMilliseconds)), \"itl_ms\": \(num(e.estimatedITLMilliseconds)), "
                + "\"prefill_engine_capacity_rps\": \(num(e.prefillEngineCapacityRequestsPerSecond)), "
                + "\"decode_engine_capacity_rps\": \(num(e.decodeEngineCapacityRequestsPerSecond)), "
                + "\"gpus_in_use\": \(e.gpusInUse)}")
        }
        parts.append("\"corrections\": {\"prefill\": \(num(s.corrections.prefill)), \"decode\": \(num(s.corrections.decode))}")
        return "{" + parts.joined(separator: ", ") + "}"
    }

    static func json(_ body: String, status: Int = 200) -> HTTPServerResponse {
        HTTPServerResponse(status: status, contentType: "application/json", body: body + "\n")
    }

    static func badRequest(_ reason: String) -> HTTPServerResponse {
        json("{\"error\": \(quoted(reason))}", status: 400)
    }

    static func quoted(_ s: String) -> String {
        let data = (try? JSONSerialization.data(withJSONObject: [s], options: [])) ?? Data("[\"\"]".utf8)
        let text = String(decoding: data, as: UTF8.self)
        return String(text.dropFirst().dropLast())
    }
}
