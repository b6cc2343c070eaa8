// swift-tools-version:6.0
import PackageDescription

// Layers (ARCHITECTURE.md): planner → Connectors → PlannerCore → Numerics → CNumerics;
// PlannerIO → PlannerCore. Heavy networking packages are only linked where sockets live.
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
        .target(
            name: "PlannerCore",
            dependencies: ["PlannerNumerics", .product(name: "Logging", package: "swift-log")]
        ),
        .target(
            name: "PlannerIO",
            dependencies: [
                "PlannerCore", "CPlannerZlib",
                .product(name: "Logging", package: "swift-log"),
            ],
            linkerSettings: [.linkedLibrary("z")]
        ),
        .target(
            name: "Connectors",
            dependencies: [
                "PlannerCore",
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
            ]
        ),
        .executableTarget(
            name: "planner-bench",
            dependencies: [
                "PlannerNumerics", "PlannerCore", "PlannerIO", "Connectors",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Benchmarks"
        ),
        // Finds the programs tests run as peers on PATH; a missing one skips, or fails under CI=true.
        .target(name: "TestPeers", path: "Tests/TestPeers"),
        .testTarget(name: "NumericsTests", dependencies: ["PlannerNumerics", "CNumerics"]),
        .testTarget(name: "PlannerCoreTests", dependencies: ["PlannerCore", "PlannerIO", "TestPeers"]),
        .testTarget(name: "PlannerIOTests", dependencies: ["PlannerIO", "PlannerCore", "TestPeers"]),
        .testTarget(
            name: "ConnectorsTests",
            dependencies: [
                "Connectors", "PlannerCore", "TestPeers",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ]
        ),
        .testTarget(
            name: "IntegrationTests",
            dependencies: [
                "Connectors", "PlannerCore", "PlannerIO", "TestPeers",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ]
        ),
    ],
    swiftLanguageModes: [.v5]
)
