// swift-tools-version:6.0
import PackageDescription

// Layout (see README "Where things live"):
//   Sources/Sluice          core library: model, expressions, DSL, plan, compiler, operators, runtime
//   connectors/files        file/stdin/stdout sources and sinks (CSV, NDJSON)
//   pipelines               example pipelines registered by name (sensor-features, ...)
//   Sources/SluiceWorkload  the canonical benchmark workload: generator and checksum
//   Sources/SluiceML        online learning: models, metrics, drift detection, retraining, registry
//   edge                    the edge agent: inputs (file tail, stdin, HTTP ingest), agent and config, spool forwarding to Kafka or HTTP
//   Sources/SluiceOps       operations: metrics (swift-metrics, Prometheus), logs (swift-log), HTTP endpoints (Hummingbird)
//   Sources/SluiceCommandCore  what the verbs share: operations flags and endpoints, signals, errors, spec loading
//   Sources/SluiceEdgeCommand  the `edge` verb (in both binaries)
//   Sources/SluiceCLI       the command-line verbs (run, explain, list, spec, gen, bench)
//   Sources/sluice          the `sluice` command: the verbs plus the example pipelines
//   Sources/sluice-edge     the `sluice-edge` command: the edge agent alone, for small devices
// The core library depends on nothing but the Swift toolchain and libzstd, so tests build fast.
let package = Package(
    name: "Sluice",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "Sluice", targets: ["Sluice"]),
        .library(name: "SluiceFiles", targets: ["SluiceFiles"]),
        .library(name: "SluicePipelines", targets: ["SluicePipelines"]),
        .library(name: "SluiceML", targets: ["SluiceML"]),
        .library(name: "SluiceKafka", targets: ["SluiceKafka"]),
        .library(name: "SluiceCLI", targets: ["SluiceCLI"]),
        .executable(name: "sluice", targets: ["sluice"]),
        .executable(name: "sluice-edge", targets: ["sluice-edge"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "5.0.1"),
        // Operations (SluiceOps only, never the core): logs, metrics, the Prometheus exporter, the HTTP server.
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.5.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.0.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.0.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.65.0"),
    ],
    targets: [
        // zstd (Debian's libzstd-dev, installed by scripts/setup.sh) compresses spilled replay
        // segments and, later, checkpoints.
        .systemLibrary(name: "CZstd", path: "Sources/CZstd", pkgConfig: "libzstd", providers: [.apt(["libzstd-dev"])]),
        .target(name: "Sluice", dependencies: ["CZstd"], path: "Sources/Sluice"),
        .target(name: "SluiceFiles", dependencies: ["Sluice"], path: "connectors/files"),
        // librdkafka (Debian's librdkafka-dev, installed by scripts/setup.sh): the Kafka client and its
        // built-in cluster behind `sluice broker`. Only the Kafka connector depends on it, not the core.
        .systemLibrary(name: "CRdKafka", path: "Sources/CRdKafka", pkgConfig: "rdkafka", providers: [.apt(["librdkafka-dev"])]),
        .target(name: "SluiceKafka", dependencies: ["Sluice", "SluiceFiles", "CRdKafka"], path: "connectors/kafka"),
        .target(name: "SluicePipelines", dependencies: ["Sluice"], path: "pipelines", exclude: ["data"]),
        // The edge agent: inputs (tail a file, stdin, HTTP ingest on Hummingbird), the agent, forwarding
        // the spool upstream (Kafka, HTTP) with backoff. Hummingbird comes with SluiceOps, never the core.
        // HummingbirdTLS (swift-nio-ssl) serves HTTP ingest over TLS.
        .target(name: "SluiceEdge", dependencies: ["Sluice", "SluiceFiles", "SluiceKafka", "SluiceOps",
                                                   .product(name: "Hummingbird", package: "hummingbird"),
                                                   .product(name: "HummingbirdCore", package: "hummingbird"),
                                                   .product(name: "HummingbirdTLS", package: "hummingbird")], path: "edge"),
        .target(name: "SluiceWorkload", path: "Sources/SluiceWorkload"),
        // Online learning: models, prequential metrics, drift detectors, retraining, model registry.
        .target(name: "SluiceML", dependencies: ["Sluice"], path: "Sources/SluiceML"),
        // Running in production: swift-metrics with a Prometheus exporter, swift-log handlers (text, JSON),
        // and the HTTP endpoints of long-running verbs (/metrics, /healthz, the status page) on Hummingbird.
        .target(
            name: "SluiceOps",
            dependencies: [
                "Sluice",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            path: "Sources/SluiceOps"
        ),
        // What every verb shares (operations flags and endpoints, signals, errors, spec and properties
        // files), so the edge verb can live in a binary without the others.
        .target(
            name: "SluiceCommandCore",
            dependencies: [
                "Sluice", "SluiceOps",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Yams", package: "Yams"),
            ],
            path: "Sources/SluiceCommandCore"
        ),
        .target(
            name: "SluiceEdgeCommand",
            dependencies: [
                "Sluice", "SluiceEdge", "SluiceOps", "SluiceCommandCore",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Yams", package: "Yams"),
            ],
            path: "Sources/SluiceEdgeCommand"
        ),
        // The command-line verbs as a library, so a user's own package can ship
        // its pipelines in a binary with the same verbs (see README).
        .target(
            name: "SluiceCLI",
            dependencies: [
                "Sluice", "SluiceFiles", "SluiceWorkload", "SluiceML", "SluiceKafka", "SluiceOps", "SluiceEdge",
                "SluiceCommandCore", "SluiceEdgeCommand",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Yams", package: "Yams"),
                .product(name: "Hummingbird", package: "hummingbird"),  // bench-edge's collector
            ],
            path: "Sources/SluiceCLI"
        ),
        .executableTarget(name: "sluice", dependencies: ["SluiceCLI", "SluicePipelines"], path: "Sources/sluice"),
        .executableTarget(name: "sluice-edge", dependencies: ["SluiceCommandCore", "SluiceEdgeCommand", "SluicePipelines"], path: "Sources/sluice-edge"),
        .testTarget(name: "SluiceTests", dependencies: ["Sluice"], path: "Tests/SluiceTests"),
        .testTarget(name: "SluiceFilesTests", dependencies: ["Sluice", "SluiceFiles"], path: "Tests/SluiceFilesTests"),
        .testTarget(name: "SluicePipelinesTests", dependencies: ["Sluice", "SluiceFiles", "SluicePipelines", "SluiceCLI"], path: "Tests/SluicePipelinesTests"),
        .testTarget(name: "SluiceMLTests", dependencies: ["Sluice", "SluiceML"], path: "Tests/SluiceMLTests"),
        .testTarget(name: "SluiceKafkaTests", dependencies: ["Sluice", "SluiceFiles", "SluiceKafka", "SluiceWorkload", "SluicePipelines"], path: "Tests/SluiceKafkaTests"),
        .testTarget(name: "SluiceWorkloadTests", dependencies: ["SluiceWorkload"], path: "Tests/SluiceWorkloadTests"),
        .testTarget(name: "SluiceOpsTests", dependencies: ["Sluice", "SluiceOps"], path: "Tests/SluiceOpsTests"),
        .testTarget(name: "SluiceEdgeTests", dependencies: ["Sluice", "SluiceFiles", "SluiceEdge", "SluiceKafka", "SluiceOps",
                                                            .product(name: "Hummingbird", package: "hummingbird")], path: "Tests/SluiceEdgeTests"),
        .testTarget(name: "SluiceCLITests", dependencies: ["SluiceWorkload", "SluiceML"], path: "Tests/SluiceCLITests", exclude: ["Golden"]),
    ],
    swiftLanguageModes: [.v6]
)
