import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix

/// The planner's own small HTTP/1.1 server: `/metrics` and `/health` for
/// Prometheus, and the control API. Only the routes it is given answer (others
/// get 404, other methods 405); a request larger than `maxRequestBytes` gets 413
/// and the connection closes; past `maxConnections` new connections are closed
/// at once; a connection idle for `idleTimeoutSeconds` is closed. (Tests use
/// their own fake servers under Tests/; this type only serves the planner.)
public final class PlannerHTTPServer: @unchecked Sendable {
    public typealias Handler = @Sendable (HTTPServerRequest) async -> HTTPServerResponse

    public struct Route: Sendable {
        public var method: String
        public var path: String
        public var handler: Handler

        public init(_ method: String, _ path: String, _ handler: @escaping Handler) {
            self.method = method
            self.path = path
            self.handler = handler
        }
    }

    public struct Limits: Sendable, Equatable {
        /// Request line, headers and body together.
        public var maxRequestBytes: Int
        public var maxConnections: Int
        public var idleTimeoutSeconds: Int64

        public init(maxRequestBytes: Int = 64 << 10, maxConnections: Int = 32, idleTimeoutSeconds: Int64 = 30) {
            self.maxRequestBytes = maxRequestBytes
            self.maxConnections = maxConnections
            self.idleTimeoutSeconds = idleTimeoutSeconds
        }
    }

    private let group: MultiThreadedEventLoopGroup
    private let channel: Channel
    public let host: String
    /// The bound port (the OS's choice when started with port 0).
    public let port: Int
    /// Connections open now.
    public var openConnections: Int { counter.value }
    private let counter: ConnectionCounter

    private init(group: MultiThreadedEventLoopGroup, channel: Channel, host: String, port: Int, counter: ConnectionCounter) {
        self.group = group
        self.channel = channel
        self.host = host
        self.port = port
        self.counter = counter
    }

    /// Binds `host:port` (port 0 = any free port). Throws `PlannerMetricsError.bindFailed`
    /// naming the address and `what` (the flag to change) when it cannot bind.
    public static func start(host: String, port: Int, routes: [Route], limits: Limits = Limits(),
                             what: String = "--metric-reporting-prometheus-port") async throws -> PlannerHTTPServer {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let counter = ConnectionCounter()
        let table = RouteTable(routes)
        let bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(ChannelOptions.backlog, value: 64)
            .serverChannelOption(ChannelOptions.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                guard counter.open(limit: limits.maxConnections) else {
                    return channel.close()
                }
                channel.closeFuture.whenComplete { _ in counter.close() }
                return channel.pipeline.addHandler(
                    IdleStateHandler(readTimeout: .seconds(limits.idleTimeoutSeconds))
                ).flatMap {
                    channel.pipeline.configureHTTPServerPipeline(withErrorHandling: true)
                }.flatMap {
                    channel.pipeline.addHandler(LimitedRequestHandler(routes: table, maxBytes: limits.maxRequestBytes))
                }
            }
        do {
            let channel = try await bootstrap.bind(host: host, port: port).get()
            let bound = channel.localAddress?.port ?? port
            return PlannerHTTPServer(group: group, channel: channel, host: host, port: bound, counter: counter)
        } catch {
            try? await group.shutdownGracefully()
            throw PlannerMetricsError.bindFailed(address: "\(host):\(port)", reason: "\(error)", flag: what)
        }
    }

    /// `http://host:port`, with IPv6 literals bracketed.
    public var baseURL: String { host.contains(":") ? "http://[\(host)]:\(port)" : "http://\(host):\(port)" }

    /// Closes the listening socket and stops the event loop.
    public func stop() async {
        try? await channel.close()
        try? await group.shutdownGracefully()
    }
}

/// Errors of the planner's own HTTP endpoints.
public enum PlannerMetricsError: Error, CustomStringConvertible, Equatable {
    case bindFailed(address: String, reason: String, flag: String)

    public var description: String {
        switch self {
        case let .bindFailed(address, reason, flag):
            return "cannot serve on \(address): \(reason) (choose another \(flag), or 0 to turn it off)"
        }
    }
}

private final class ConnectionCounter: @unchecked Sendable {
    private let lock = NSLock()
    private var count = 0

    var value: Int { lock.withLock { count } }

    func open(limit: Int) -> Bool {
        lock.withLock {
            guard count < limit else { return false }
            count += 1
            return true
        }
    }

    func close() { lock.withLock { count -= 1 } }
}

private struct RouteTable: Sendable {
    let routes: [PlannerHTTPServer.Route]

    init(_ routes: [PlannerHTTPServer.Route]) { self.routes = routes }

    enum Resolution {
        case handler(PlannerHTTPServer.Handler)
        case response(HTTPServerResponse)
    }

    func resolve(method: String, path: String) -> Resolution {
        let onPath = routes.filter { $0.path == path }
        guard !onPath.isEmpty else {
            let known = Set(routes.map(\.path)).sorted().joined(separator: ", ")
            return .response(HTTPServerResponse(status: 404, body: "not found: \(path) (this server answers \(known))\n"))
        }
        if let route = onPath.first(where: { $0.method == method }) { return .handler(route.handler) }
        let allowed = onPath.map(\.method).joined(separator: ", ")
        return .response(HTTPServerResponse(status: 405, body: "method \(method) not allowed on \(path) (allowed: \(allowed))\n"))
    }
}

private final class LimitedRequestHandler: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let routes: RouteTable
    private let maxBytes: Int
    private var head: HTTPRequestHead?
    private var body = ByteBuffer()
    private var size = 0
    private var rejected = false

    init(routes: RouteTable, maxBytes: Int) {
        self.routes = routes
        self.maxBytes = maxBytes
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is IdleStateHandler.IdleStateEvent {
            context.close(promise: nil)
        } else {
            context.fireUserInboundEventTriggered(event)
        }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case let .head(h):
            head = h
            body.clear()
            rejected = false
            size = h.uri.utf8.count + h.headers.reduce(0) { $0 + $1.name.utf8.count + $1.value.utf8.count + 4 }
            if let declared = h.headers.first(name: "Content-Length").flatMap(Int.init), declared > maxBytes - size {
                reject(context, version: h.version)
            } else if size > maxBytes {
                reject(context, version: h.version)
            }
        case var .body(chunk):
            guard !rejected, let head else { return }
            size += chunk.readableBytes
            if size > maxBytes {
                reject(context, version: head.version)
                return
            }
            body.writeBuffer(&chunk)
        case .end:
            guard let head, !rejected else { return }
            self.head = nil
            let request = HTTPServerRequest(head: head, body: String(buffer: body))
            let keepAlive = head.isKeepAlive
            let loop = context.eventLoop
            let bound = NIOLoopBound(context, eventLoop: loop)
            switch routes.resolve(method: request.method, path: request.path) {
            case .response(let response):
                response.write(version: head.version, keepAlive: keepAlive, context: context)
            case .handler(let handler):
                Task {
                    let response = await handler(request)
                    loop.execute {
                        response.write(version: head.version, keepAlive: keepAlive, context: bound.value)
                    }
                }
            }
        }
    }

    private func reject(_ context: ChannelHandlerContext, version: HTTPVersion) {
        guard !rejected else { return }
        rejected = true
        HTTPServerResponse(status: 413, body: "request larger than \(maxBytes) bytes\n")
            .write(version: version, keepAlive: false, context: context)
    }
}
