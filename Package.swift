// swift-tools-version:6.0
import PackageDescription

// Layers (docs/architecture.md): planner → Connectors → PlannerCore → Numerics → CNumerics;
// PlannerIO → PlannerCore; PlannerIO and Connectors → PlannerJSON. Heavy networking packages are only linked where sockets live.
let package = Package(
    name: "sla-planner",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "planner", targets: ["planner"]),
        .executable(name: "planner-bench", targets: ["planner-bench"]),
        .library(name: "PlannerCore", targets: ["PlannerCore"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.80.0"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.25.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.29.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "5.0.1"),
        .package(url: "https://github.com/x-sheep/swift-property-based", from: "2.0.1"),
        // Latency percentiles of `planner replay` in fixed memory.
        .package(url: "https://github.com/HdrHistogram/hdrhistogram-swift", exact: "0.2.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
    ],
    targets: [
        .target(
            name: "CNumerics",
            path: "CNumerics",
            cSettings: [.unsafeFlags(["-O2", "-std=c99"])],
            linkerSettings: [
                .linkedLibrary("lapacke"),
                .linkedLibrary("lapack"),
                .linkedLibrary("openblas"),
                .linkedLibrary("m"),
            ]
        ),
        // Named PlannerNumerics: swift-numerics (a transitive dependency) owns the module name Numerics.
        .target(name: "PlannerNumerics", dependencies: ["CNumerics"], path: "Sources/Numerics"),
        // zlib headers for PlannerIO (gzip traces, deflated NPZ members).
        .systemLibrary(name: "CPlannerZlib", path: "Sources/CPlannerZlib"),
        // The one JSON scanner, shared by the trace readers and the peer-answer readers.
        .target(name: "PlannerJSON", path: "Sources/JSON"),
        .target(
            name: "PlannerCore",
            dependencies: [
                "PlannerNumerics", .product(name: "Logging", package: "swift-log"),
                .product(name: "Histogram", package: "hdrhistogram-swift"),
            ]
        ),
        .target(
            name: "PlannerIO",
            dependencies: [
                "PlannerCore", "PlannerJSON", "CPlannerZlib",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Yams", package: "Yams"),
            ],
            linkerSettings: [.linkedLibrary("z")]
        ),
        .target(
            name: "Connectors",
            dependencies: [
                "PlannerCore", "PlannerJSON",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Yams", package: "Yams"),
            ]
        ),
        .executableTarget(
            name: "planner",
            dependencies: [
                "PlannerNumerics", "PlannerCore", "PlannerIO", "Connectors",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ]
        ),
        .executableTarget(
            name: "planner-bench",
            dependencies: [
                "PlannerNumerics", "PlannerCore", "PlannerIO", "Connectors", "HTTPTestSupport",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Benchmarks"
        ),
        // Finds the programs tests run as peers on PATH; a missing one skips, or fails under CI=true.
        .target(name: "TestPeers", path: "Tests/TestPeers"),
        // The fake HTTP server of tests and benchmarks (frontend, Prometheus, Kubernetes API
        // stand-ins); the planner's own endpoints use Connectors' PlannerHTTPServer.
        .target(
            name: "HTTPTestSupport",
            dependencies: [
                "Connectors",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ],
            path: "Tests/Support/HTTPTestSupport"
        ),
        .testTarget(name: "NumericsTests", dependencies: ["PlannerNumerics", "CNumerics"]),
        .testTarget(
            name: "PlannerCoreTests",
            dependencies: ["PlannerCore", "PlannerIO", "TestPeers", .product(name: "PropertyBased", package: "swift-property-based")]
        ),
        .testTarget(name: "PlannerJSONTests", dependencies: ["PlannerJSON"]),
        .testTarget(name: "PlannerIOTests", dependencies: ["PlannerIO", "PlannerCore", "TestPeers"]),
        // The Kubernetes API test server (delayed operator, merge patch, token rotation),
        // shared by the connector tests and the `planner run` process tests.
        .target(
            name: "KubernetesTestSupport",
            dependencies: [
                "Connectors", "HTTPTestSupport",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ],
            path: "Tests/KubernetesTestSupport"
        ),
        .testTarget(
            name: "ConnectorsTests",
            dependencies: [
                "Connectors", "PlannerCore", "HTTPTestSupport", "TestPeers", "KubernetesTestSupport",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ]
        ),
        .testTarget(
            name: "IntegrationTests",
            dependencies: [
                "Connectors", "PlannerCore", "PlannerIO", "HTTPTestSupport", "TestPeers", "KubernetesTestSupport",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "PropertyBased", package: "swift-property-based"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ]
        ),
    ],
    swiftLanguageModes: [.v5]
)
