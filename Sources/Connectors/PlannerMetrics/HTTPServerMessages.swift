import NIOCore
import NIOHTTP1

/// One HTTP request as the planner's server (and the test servers) hand it to a handler.
public struct HTTPServerRequest: Sendable {
    public var method: String
    /// The path without the query string.
    public var path: String
    /// Decoded query parameters (the last value wins for repeated names).
    public var query: [String: String]
    public var headers: [(name: String, value: String)]
    public var body: String

    public init(method: String, path: String, query: [String: String] = [:],
                headers: [(name: String, value: String)] = [], body: String = "") {
        self.method = method
        self.path = path
        self.query = query
        self.headers = headers
        self.body = body
    }

    /// From a parsed request head: the path split from its query, the query form-decoded.
    public init(head: HTTPRequestHead, body: String) {
        let parts = head.uri.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false)
        var query: [String: String] = [:]
        if parts.count == 2 {
            for pair in parts[1].split(separator: "&") {
                let kv = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
                query[Self.percentDecode(String(kv[0]))] = kv.count == 2 ? Self.percentDecode(String(kv[1])) : ""
            }
        }
        self.init(method: head.method.rawValue, path: String(parts.first ?? ""), query: query,
                  headers: head.headers.map { (name: $0.name, value: $0.value) }, body: body)
    }

    /// First header of that name, case-insensitively.
    public func header(_ name: String) -> String? {
        headers.first { $0.name.lowercased() == name.lowercased() }?.value
    }

    /// Form decoding: `+` is a space, `%XX` a byte.
    static func percentDecode(_ s: String) -> String {
        var bytes: [UInt8] = []
        var it = Array(s.utf8)[...]
        while let c = it.popFirst() {
            if c == UInt8(ascii: "+") {
                bytes.append(UInt8(ascii: " "))
            } else if c == UInt8(ascii: "%"), it.count >= 2,
                      let v = UInt8(String(decoding: it.prefix(2), as: UTF8.self), radix: 16) {
                bytes.append(v)
                it = it.dropFirst(2)
            } else {
                bytes.append(c)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}

/// What a handler answers.
public struct HTTPServerResponse: Sendable {
    public var status: Int
    public var contentType: String
    public var body: String

    public init(status: Int = 200, contentType: String = "text/plain; charset=utf-8", body: String) {
        self.status = status
        self.contentType = contentType
        self.body = body
    }
}

extension HTTPServerResponse {
    /// Writes the response on the handler's channel (on its event loop); closes the
    /// connection afterwards unless `keepAlive`.
    public func write(version: HTTPVersion, keepAlive: Bool, context: ChannelHandlerContext) {
        var buffer = context.channel.allocator.buffer(capacity: body.utf8.count)
        buffer.writeString(body)
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: contentType)
        headers.add(name: "Content-Length", value: String(buffer.readableBytes))
        headers.add(name: "Connection", value: keepAlive ? "keep-alive" : "close")
        let head = HTTPResponseHead(version: version, status: HTTPResponseStatus(statusCode: status), headers: headers)
        context.write(NIOAny(HTTPServerResponsePart.head(head)), promise: nil)
        context.write(NIOAny(HTTPServerResponsePart.body(.byteBuffer(buffer))), promise: nil)
        let done = context.writeAndFlush(NIOAny(HTTPServerResponsePart.end(nil)))
        if !keepAlive { done.whenComplete { _ in context.close(promise: nil) } }
    }
}
