import AsyncHTTPClient
import Foundation
import NIOCore
import PlannerCore

/// A change seen by a watch.
public struct EtcdWatchEvent: Sendable, Equatable {
    public enum Kind: Sendable, Equatable { case put, delete }
    public var kind: Kind
    public var keyValue: EtcdKeyValue
}

/// The first batch of changes a watch delivered.
public struct EtcdWatchResult: Sendable, Equatable {
    /// Store revision of the batch; watch again after it to see the next change.
    public var revision: Int64
    public var events: [EtcdWatchEvent]
    /// The requested start revision was compacted away: changes may have been missed,
    /// so the caller should read the keys again.
    public var compacted: Bool
}

extension EtcdClient {
    /// Waits for the first change of `key` (or of every key under it when `prefix`) made after
    /// `afterRevision`, using a `/v3/watch` stream.
    ///
    /// Watching from a revision (rather than from "now") means a change that happened between
    /// the caller's last read and this call is not missed. When the member serving the stream
    /// dies, the watch resumes on the next endpoint from the same revision.
    /// Returns nil when `timeoutSeconds` passes without a change.
    public func waitForChange(key: String, prefix: Bool, afterRevision: Int64,
                              timeoutSeconds: Double? = nil) async throws -> EtcdWatchResult? {
        guard let timeoutSeconds else {
            return try await watchWithFailover(key: key, prefix: prefix, afterRevision: afterRevision)
        }
        // async-http-client's deadline does not cover a body that is already streaming, so the
        // timeout races the watch and cancels it.
        return try await raceTimeout(timeoutSeconds) {
            try await self.watchWithFailover(key: key, prefix: prefix, afterRevision: afterRevision)
        } ?? nil
    }

    private func watchWithFailover(key: String, prefix: Bool, afterRevision: Int64) async throws -> EtcdWatchResult? {
        let operation = "watch \(key)"
        // etcd checks the token when a watch is created; a stream already open outlives it.
        return try await authorized(operation) { token in
            try await watchWithFailover(operation, key: key, prefix: prefix, afterRevision: afterRevision, token: token)
        }
    }

    private func watchWithFailover(_ operation: String, key: String, prefix: Bool, afterRevision: Int64,
                                   token: String?) async throws -> EtcdWatchResult? {
        var create: [String: Any] = ["key": EtcdJSON.encodeBase64(key),
                                     "start_revision": String(afterRevision == .max ? .max : afterRevision + 1)]
        if prefix { create["range_end"] = EtcdJSON.encodeBase64(bytes: EtcdJSON.prefixRangeEnd(key)) }
        let payload = try JSONSerialization.data(withJSONObject: ["create_request": create])
        let deadline: NIODeadline = .now() + .hours(24 * 365)
        var failures: [EtcdEndpointFailure] = []
        var index = startIndex()
        let count = endpoints.urls.count
        while true {
            let endpoint = endpoints.urls[index]
            do {
                if let result = try await watchOnce(operation, endpoint: endpoint, payload: payload,
                                                    token: token, deadline: deadline) {
                    prefer(index)
                    return result
                }
                return nil
            } catch let failure as RetryableFailure {
                try Task.checkCancellation()
                failures.append(EtcdEndpointFailure(endpoint: endpoint, reason: failure.reason))
                logger.debug("etcd \(operation) interrupted on \(endpoint): \(failure.reason)")
                if failures.count >= count * max(1, configuration.retryRounds) {
                    throw EtcdError.unavailable(operation: operation, failures: failures)
                }
                index = (index + 1) % count
                if index == startIndex() || failures.count % count == 0 {
                    try await Task.sleep(nanoseconds: UInt64(CheckedNumber.nanoseconds(seconds: configuration.retryBackoffSeconds)))
                }
            }
        }
    }

    /// One watch stream on one endpoint. Returns nil at the deadline; throws RetryableFailure
    /// when the stream breaks before delivering a change.
    private func watchOnce(_ operation: String, endpoint: String, payload: Data, token: String?,
                           deadline: NIODeadline) async throws -> EtcdWatchResult? {
        do {
            let request = request(url: endpoint + currentAPIPrefix() + "/watch", payload: payload, token: token)
            let response = try await etcdHTTPClient.execute(request, deadline: deadline, logger: nil)
            guard response.status == .ok else {
                throw RetryableFailure(reason: "HTTP \(response.status.code)")
            }
            var lines = EtcdLineSplitter()
            for try await chunk in response.body {
                for line in lines.append(chunk) {
                    if let result = try parseWatchLine(line, operation: operation, endpoint: endpoint) {
                        return result
                    }
                }
            }
            throw RetryableFailure(reason: "watch stream ended")
        } catch let error as EtcdError {
            throw error
        } catch let failure as RetryableFailure {
            throw failure
        } catch let rejected as EtcdTokenRejected {
            throw rejected
        } catch {
            if Task.isCancelled { throw CancellationError() }
            if NIODeadline.now() >= deadline { return nil }
            if let problem = await transportProblem(error, endpoint: endpoint) { throw problem }
            throw RetryableFailure(reason: Self.describe(error))
        }
    }

    /// Interprets one message of the stream: nil for "created" and progress notices.
    private func parseWatchLine(_ line: Data, operation: String, endpoint: String) throws -> EtcdWatchResult? {
        guard let object = (try? JSONSerialization.jsonObject(with: line)) as? [String: Any] else {
            throw EtcdError.malformedResponse(operation: operation, endpoint: endpoint,
                                              detail: "watch line is not a JSON object")
        }
        if let error = object["error"] as? [String: Any] {
            throw RetryableFailure(reason: error["message"] as? String ?? "watch error")
        }
        let result = object["result"] as? [String: Any] ?? object
        let revision = EtcdJSON.revision(ofHeader: result)
        if let compact = EtcdJSON.int64(result["compact_revision"]), compact > 0 {
            return EtcdWatchResult(revision: max(revision, compact), events: [], compacted: true)
        }
        if result["canceled"] as? Bool == true {
            let reason = result["cancel_reason"] as? String ?? "watch canceled by the server"
            // etcd cancels a watch it does not authorise at creation (3.4 says why in the reason).
            let code: Int64 = reason.contains("PermissionDenied") ? 7 : 0
            switch refusal(operation, endpoint: endpoint, status: 200, code: code, message: reason) {
            case let error as EtcdError:
                if case .rejected = error { throw RetryableFailure(reason: reason) }
                throw error
            case let other:
                throw other
            }
        }
        let events: [EtcdWatchEvent] = (result["events"] as? [Any] ?? []).compactMap { any in
            guard let event = any as? [String: Any], let kv = EtcdKeyValue(json: event["kv"]) else { return nil }
            let kind: EtcdWatchEvent.Kind = (event["type"] as? String) == "DELETE" ? .delete : .put
            return EtcdWatchEvent(kind: kind, keyValue: kv)
        }
        if events.isEmpty { return nil }
        // The header of a catch-up batch may name a later store revision than its events;
        // the last event's revision is the safe point to resume from.
        let last = events.map(\.keyValue.modRevision).max() ?? revision
        return EtcdWatchResult(revision: last, events: events, compacted: false)
    }
}
