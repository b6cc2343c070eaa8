import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL

/// One HTTP request as the small server below hands it to its handler.
public struct HTTPServerRequest: Sendable {
    public var method: String
    /// The path without the query string.
    public var path: String
    /// Decoded query parameters (the last value wins for repeated names).
    public var query: [String: String]
    public var headers: [(name: String, value: String)]
    public var body: String

    /// First header of that name, case-insensitively.
    public func header(_ name: String) -> String? {
        headers.first { $0.name.lowercased() == name.lowercased() }?.value
    }
}

/// What the handler answers.
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

/// A minimal HTTP/1.1 server on SwiftNIO: serves the planner's `/metrics` and,
/// in tests, stands in for a frontend or the Kubernetes API. Connections are
/// kept alive when the client asks (Prometheus scrapers and AsyncHTTPClient do),
/// so a scrape or query does not pay for a new TCP connection each time.
public final class LoopbackHTTPServer: @unchecked Sendable {
    public typealias Handler = @Sendable (HTTPServerRequest) async -> HTTPServerResponse

    private let group: MultiThreadedEventLoopGroup
    private let channel: Channel
    /// The bound port (the OS's choice when started with port 0).
    public let port: Int
    public let host: String
    public let secure: Bool

    private init(group: MultiThreadedEventLoopGroup, channel: Channel, host: String, port: Int, secure: Bool) {
        self.group = group
        self.channel = channel
        self.host = host
        self.port = port
        self.secure = secure
    }

    /// Binds `host:port` (port 0 = any free port) and starts serving, over TLS
    /// when `tls` is given (tests of the Kubernetes connector's CA handling).
    /// Throws `PlannerMetricsError.bindFailed` naming the address when the port is taken.
    public static func start(host: String = "127.0.0.1", port: Int = 0, tls: NIOSSLContext? = nil,
                             handler: @escaping Handler) async throws -> LoopbackHTTPServer {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(ChannelOptions.backlog, value: 64)
            .serverChannelOption(ChannelOptions.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                let secured: EventLoopFuture<Void> = tls.map {
                    channel.pipeline.addHandler(NIOSSLServerHandler(context: $0))
                } ?? channel.eventLoop.makeSucceededFuture(())
                return secured.flatMap {
                    channel.pipeline.configureHTTPServerPipeline(withErrorHandling: true)
                }.flatMap {
                    channel.pipeline.addHandler(RequestHandler(handler: handler))
                }
            }
        do {
            let channel = try await bootstrap.bind(host: host, port: port).get()
            let bound = channel.localAddress?.port ?? port
            return LoopbackHTTPServer(group: group, channel: channel, host: host, port: bound, secure: tls != nil)
        } catch {
            try? await group.shutdownGracefully()
            throw PlannerMetricsError.bindFailed(address: "\(host):\(port)", reason: "\(error)")
        }
    }

    /// `http://host:port` (`https` when serving TLS).
    public var baseURL: String { "\(secure ? "https" : "http")://\(host):\(port)" }

    /// Closes the listening socket and stops the event loop.
    public func stop() async {
        try? await channel.close()
        try? await group.shutdownGracefully()
    }
}

/// Errors of the planner's own HTTP endpoint.
public enum PlannerMetricsError: Error, CustomStringConvertible, Equatable {
    case bindFailed(address: String, reason: String)

    public var description: String {
        switch self {
        case let .bindFailed(address, reason):
            return "cannot serve metrics on \(address): \(reason) (choose another --metric-reporting-prometheus-port, or 0 to turn it off)"
        }
    }
}

private final class RequestHandler: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let handler: LoopbackHTTPServer.Handler
    private var head: HTTPRequestHead?
    private var body = ByteBuffer()

    init(handler: @escaping LoopbackHTTPServer.Handler) {
        self.handler = handler
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case let .head(h):
            head = h
            body.clear()
        case var .body(chunk):
            body.writeBuffer(&chunk)
        case .end:
            guard let head else { return }
            self.head = nil
            let request = Self.makeRequest(head, body: String(buffer: body))
            let loop = context.eventLoop
            let bound = NIOLoopBound(context, eventLoop: loop)
            let handler = self.handler
            Task {
                let response = await handler(request)
                loop.execute {
                    Self.write(response, version: head.version, keepAlive: head.isKeepAlive, context: bound.value)
                }
            }
        }
    }

    private static func write(_ response: HTTPServerResponse, version: HTTPVersion, keepAlive: Bool,
                              context: ChannelHandlerContext) {
        var buffer = context.channel.allocator.buffer(capacity: response.body.utf8.count)
        buffer.writeString(response.body)
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: response.contentType)
        headers.add(name: "Content-Length", value: String(buffer.readableBytes))
        headers.add(name: "Connection", value: keepAlive ? "keep-alive" : "close")
        let head = HTTPResponseHead(version: version, status: HTTPResponseStatus(statusCode: response.status), headers: headers)
        context.write(NIOAny(HTTPServerResponsePart.head(head)), promise: nil)
        context.write(NIOAny(HTTPServerResponsePart.body(.byteBuffer(buffer))), promise: nil)
        let done = context.writeAndFlush(NIOAny(HTTPServerResponsePart.end(nil)))
        if !keepAlive { done.whenComplete { _ in context.close(promise: nil) } }
    }

    private static func makeRequest(_ head: HTTPRequestHead, body: String) -> HTTPServerRequest {
        let parts = head.uri.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false)
        var query: [String: String] = [:]
        if parts.count == 2 {
            for pair in parts[1].split(separator: "&") {
                let kv = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
                let key = percentDecode(String(kv[0]))
                query[key] = kv.count == 2 ? percentDecode(String(kv[1])) : ""
            }
        }
        return HTTPServerRequest(
            method: head.method.rawValue,
            path: String(parts.first ?? ""),
            query: query,
            headers: head.headers.map { (name: $0.name, value: $0.value) },
            body: body
        )
    }

    /// Form decoding: `+` is a space, `%XX` a byte.
    private static func percentDecode(_ s: String) -> String {
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
