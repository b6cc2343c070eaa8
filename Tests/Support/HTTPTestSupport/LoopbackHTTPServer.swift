import Connectors
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL

/// A minimal HTTP/1.1 test server on SwiftNIO: stands in for a frontend, a
/// Prometheus or the Kubernetes API in tests and benchmarks (optionally over TLS).
/// Any method and path reach the handler; nothing is capped. The planner's own
/// endpoints use `PlannerHTTPServer` instead. Connections are
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
            throw PlannerMetricsError.bindFailed(address: "\(host):\(port)", reason: "\(error)", flag: "the test server's port")
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
            let request = HTTPServerRequest(head: head, body: String(buffer: body))
            let loop = context.eventLoop
            let bound = NIOLoopBound(context, eventLoop: loop)
            let handler = self.handler
            Task {
                let response = await handler(request)
                loop.execute {
                    response.write(version: head.version, keepAlive: head.isKeepAlive, context: bound.value)
                }
            }
        }
    }
}
