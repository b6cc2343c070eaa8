import AsyncHTTPClient
import Foundation
import NIOCore
import PlannerCore

/// A lease granted by etcd: keys attached to it vanish when it is not kept alive for `ttlSeconds`.
public struct EtcdLease: Sendable, Equatable {
    public var id: Int64
    public var ttlSeconds: Int64
}

extension EtcdClient {
    /// Grants a lease of `ttlSeconds` (etcd may raise a very short TTL to its minimum).
    public func grantLease(ttlSeconds: Int64) async throws -> EtcdLease {
        let object = try await call("lease grant", path: "/lease/grant", body: ["TTL": String(ttlSeconds)])
        guard let id = EtcdJSON.int64(object["ID"]), id != 0 else {
            throw EtcdError.malformedResponse(operation: "lease grant", endpoint: currentEndpoint,
                                              detail: "no lease ID in the answer")
        }
        return EtcdLease(id: id, ttlSeconds: EtcdJSON.int64(object["TTL"]) ?? ttlSeconds)
    }

    /// Renews the lease once; returns the remaining TTL in seconds.
    /// Throws `EtcdError.leaseExpired` when the cluster no longer knows the lease.
    ///
    /// The gateway serves keep-alive as a bidirectional stream; one request per renewal is
    /// enough: the first line of the answer is read and the stream is dropped.
    @discardableResult
    public func keepAliveOnce(leaseID: Int64) async throws -> Int64 {
        let payload = try JSONSerialization.data(withJSONObject: ["ID": String(leaseID)])
        let ttl = try await streamFirstLine("lease keepalive", path: "/lease/keepalive", payload: payload) { object in
            let result = object["result"] as? [String: Any] ?? object
            return EtcdJSON.int64(result["TTL"]) ?? 0
        }
        if ttl <= 0 { throw EtcdError.leaseExpired(leaseID: leaseID) }
        return ttl
    }

    /// Revokes the lease, deleting every key attached to it. A lease already gone is not an error.
    public func revokeLease(id: Int64) async throws {
        do {
            _ = try await call("lease revoke", path: "/lease/revoke", body: ["ID": String(id)])
        } catch let EtcdError.rejected(_, _, _, message) where message.contains("not found") {
            return
        }
    }

    /// Posts to a streaming endpoint and returns what `read` makes of the first JSON line,
    /// with fail-over; each attempt is bounded by the request timeout.
    func streamFirstLine<T: Sendable>(_ operation: String, path: String, payload: Data,
                                      read: @escaping @Sendable ([String: Any]) -> T) async throws -> T {
        try await authorized(operation) { token in
            try await withFailover(operation) { endpoint in
                let answer = try await raceTimeout(configuration.requestTimeoutSeconds) {
                    try await self.firstLine(operation, endpoint: endpoint, path: path, payload: payload,
                                             token: token, read: read)
                }
                guard let answer else { throw RetryableFailure(reason: "timed out") }
                return answer
            }
        }
    }
}

extension EtcdClient {
    private func firstLine<T: Sendable>(_ operation: String, endpoint: String, path: String, payload: Data,
                                        token: String?, read: @Sendable ([String: Any]) -> T) async throws -> T {
        let request = request(url: endpoint + currentAPIPrefix() + path, payload: payload, token: token)
        let timeout = TimeAmount.nanoseconds(CheckedNumber.nanoseconds(seconds: configuration.requestTimeoutSeconds))
        let response: HTTPClientResponse
        do {
            response = try await etcdHTTPClient.execute(request, timeout: timeout, logger: nil)
        } catch {
            if let problem = await transportProblem(error, endpoint: endpoint) { throw problem }
            throw error
        }
        var lines = EtcdLineSplitter()
        for try await chunk in response.body {
            guard let line = lines.append(chunk).first else { continue }
            guard let object = (try? JSONSerialization.jsonObject(with: line)) as? [String: Any] else {
                throw EtcdError.malformedResponse(operation: operation, endpoint: endpoint,
                                                  detail: "stream line is not a JSON object")
            }
            if let error = object["error"] as? [String: Any] {
                let message = error["message"] as? String ?? "unknown error"
                let code = EtcdJSON.int64(error["grpc_code"]) ?? EtcdJSON.int64(error["code"]) ?? 0
                if code == 14 { throw RetryableFailure(reason: message) }
                throw refusal(operation, endpoint: endpoint, status: Int(response.status.code), code: code, message: message)
            }
            return read(object)
        }
        throw RetryableFailure(reason: "stream ended before an answer (HTTP \(response.status.code))")
    }
}

/// Runs `body`; nil when it has not finished after `seconds` (it is then cancelled).
/// Needed where async-http-client's deadline does not reach: bodies that are streaming.
func raceTimeout<T: Sendable>(_ seconds: Double, _ body: @escaping @Sendable () async throws -> T) async throws -> T? {
    try await withThrowingTaskGroup(of: T?.self) { group in
        group.addTask { try await body() }
        group.addTask {
            try await Task.sleep(nanoseconds: UInt64(CheckedNumber.nanoseconds(seconds: seconds)))
            return nil
        }
        let first = try await group.next() ?? nil
        group.cancelAll()
        return first
    }
}

/// Splits a streamed body into newline-delimited JSON messages.
struct EtcdLineSplitter {
    private var pending: [UInt8] = []

    /// Adds a chunk; returns the complete lines it finished (without the newline, blanks skipped).
    mutating func append(_ chunk: ByteBuffer) -> [Data] {
        pending.append(contentsOf: chunk.readableBytesView)
        var lines: [Data] = []
        while let newline = pending.firstIndex(of: UInt8(ascii: "\n")) {
            let line = pending[..<newline]
            if line.contains(where: { $0 != UInt8(ascii: " ") && $0 != UInt8(ascii: "\r") }) {
                lines.append(Data(line))
            }
            pending.removeSubrange(...newline)
        }
        return lines
    }
}
