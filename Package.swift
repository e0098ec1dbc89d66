// swift-tools-version: 6.1
import PackageDescription

/// Upcoming features swift-nio and Hummingbird enable: explicit `any`, and imports that say what a file uses.
let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

let package = Package(
    name: "ThreeZero",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "EventContract", targets: ["EventContract"]),
        .library(name: "Kafka", targets: ["Kafka"]),
        .library(name: "Postgres", targets: ["Postgres"]),
        .executable(name: "petitions", targets: ["PetitionsMain"]),
        .executable(name: "hazards", targets: ["HazardsMain"]),
        .executable(name: "cases", targets: ["CasesMain"]),
        .executable(name: "aggregator", targets: ["AggregatorMain"]),
        .executable(name: "simulator", targets: ["Simulator"]),
        .executable(name: "threezero-bench", targets: ["Benchmarks"]),
        .executable(name: "threezero-aggregator-bench", targets: ["AggregatorBenchmark"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-configuration", from: "1.4.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-collections", from: "1.6.0"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache", from: "2.1.1"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
    ],
    targets: [
        // MARK: - C clients, wrapped once
        .systemLibrary(
            name: "CRdKafka", path: "Shared/CRdKafka", pkgConfig: "rdkafka",
            providers: [.apt(["librdkafka-dev"])]),
        .systemLibrary(
            name: "CLibPQ", path: "Shared/CLibPQ", pkgConfig: "libpq",
            providers: [.apt(["libpq-dev"])]),
        .target(
            name: "Kafka",
            dependencies: [
                "CRdKafka",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            path: "Shared/Kafka", swiftSettings: swiftSettings),
        .target(
            name: "Postgres",
            dependencies: [
                "CLibPQ",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "Shared/Postgres", swiftSettings: swiftSettings),

        // MARK: - The contract between the services
        .target(
            name: "EventContract", path: "Shared/EventContract",
            exclude: ["Schemas"], swiftSettings: swiftSettings),

        // The city's division names as data (the demo city's file in its resources).
        .target(
            name: "Divisions", path: "Shared/Divisions", resources: [.copy("Resources")], swiftSettings: swiftSettings),

        // The map's geometry: boundary files, point in polygon, the projection, legend classes.
        .target(name: "Geography", path: "Shared/Geography", swiftSettings: swiftSettings),

        .target(
            name: "Simulation", dependencies: ["Divisions", "EventContract", "Geography", .product(name: "HeapModule", package: "swift-collections")],
            path: "Shared/Simulation", swiftSettings: swiftSettings),

        // MARK: - What the services share
        .target(
            name: "ServiceSupport",
            dependencies: [
                "EventContract",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "Configuration", package: "swift-configuration"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "Shared/ServiceSupport", swiftSettings: swiftSettings),
        // What a service needs to run beside HTTP: its configuration (database, Kafka), the
        // database's health check, the drivers' errors as problems.
        .target(
            name: "ServiceRuntime",
            dependencies: [
                "EventContract", "Kafka", "Postgres", "ServiceSupport",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "Configuration", package: "swift-configuration"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Shared/ServiceRuntime", swiftSettings: swiftSettings),
        // Publishing: the outbox and its relay, for every service that publishes (the departments,
        // and the aggregator for the roster).
        .target(
            name: "Publishing",
            dependencies: [
                "EventContract", "Kafka", "Postgres",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "Shared/Publishing", swiftSettings: swiftSettings),
        .target(
            name: "Intake",
            dependencies: [
                "EventContract", "Kafka", "Postgres", "Publishing", "ServiceRuntime", "ServiceSupport",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Configuration", package: "swift-configuration"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "Shared/Intake", swiftSettings: swiftSettings),

        // MARK: - The department services
        .target(
            name: "PetitionsService",
            dependencies: [
                "EventContract", "Intake", "Postgres", "ServiceSupport", .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Hummingbird", package: "hummingbird"),
            ],
            path: "Services/Petitions/PetitionsService", swiftSettings: swiftSettings),
        .executableTarget(
            name: "PetitionsMain",
            dependencies: ["PetitionsService", "Intake", .product(name: "Configuration", package: "swift-configuration")],
            path: "Services/Petitions/Main", swiftSettings: swiftSettings),
        .target(
            name: "HazardsService", dependencies: ["EventContract", "Intake", "ServiceSupport"],
            path: "Services/Hazards/HazardsService", swiftSettings: swiftSettings),
        .executableTarget(
            name: "HazardsMain", dependencies: ["HazardsService", "Intake"],
            path: "Services/Hazards/Main", swiftSettings: swiftSettings),
        .target(
            name: "CasesService", dependencies: ["EventContract", "Intake", "ServiceSupport"],
            path: "Services/Cases/CasesService", swiftSettings: swiftSettings),
        .executableTarget(
            name: "CasesMain", dependencies: ["CasesService", "Intake"],
            path: "Services/Cases/Main", swiftSettings: swiftSettings),

        // MARK: - The command center
        // How compliance is computed: the zeros, the problem kinds, the metrics, a record's
        // state — pure Swift, no driver, tested in seconds.
        .target(
            name: "ComplianceRules", dependencies: ["EventContract"],
            path: "Services/Aggregator/ComplianceRules", swiftSettings: swiftSettings),
        .target(
            name: "AggregatorService",
            dependencies: [
                "ComplianceRules", "Divisions", "EventContract", "Geography", "Kafka", "Postgres", "Publishing", "ServiceRuntime", "ServiceSupport",
                .product(name: "Hummingbird", package: "hummingbird"), .product(name: "Configuration", package: "swift-configuration"),
                .product(name: "Metrics", package: "swift-metrics"), .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Crypto", package: "swift-crypto"), .product(name: "Mustache", package: "swift-mustache"),
            ],
            path: "Services/Aggregator/AggregatorService",
            resources: [.copy("Resources")],
            swiftSettings: swiftSettings),
        .executableTarget(
            name: "AggregatorMain",
            dependencies: [
                "AggregatorService", .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Configuration", package: "swift-configuration"),
            ],
            path: "Services/Aggregator/Main", swiftSettings: swiftSettings),

        // MARK: - The simulated city: roster, activity through the departments' APIs, load
        .executableTarget(
            name: "Simulator",
            dependencies: [
                "Simulation", "EventContract", .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
            ],
            path: "Services/Simulator", swiftSettings: swiftSettings),

        // MARK: - Tests
        .target(
            name: "TestSupport",
            dependencies: [
                "EventContract", "Kafka", "Postgres", "ServiceRuntime", "ServiceSupport", "Intake",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "Configuration", package: "swift-configuration"),
            ],
            path: "Tests/TestSupport", swiftSettings: swiftSettings),
        .testTarget(
            name: "EventContractTests", dependencies: ["EventContract"],
            path: "Tests/EventContractTests", swiftSettings: swiftSettings),
        .testTarget(
            name: "ComplianceRulesTests", dependencies: ["ComplianceRules", "EventContract"],
            path: "Tests/ComplianceRulesTests", swiftSettings: swiftSettings),
        .testTarget(
            name: "GeographyTests", dependencies: ["Geography"],
            path: "Tests/GeographyTests", swiftSettings: swiftSettings),
        .testTarget(
            name: "SimulationTests", dependencies: ["Divisions", "Simulation", "EventContract", "Geography"],
            path: "Tests/SimulationTests", swiftSettings: swiftSettings),
        .testTarget(
            name: "KafkaIntegrationTests", dependencies: ["Kafka", "TestSupport"],
            path: "Tests/KafkaIntegrationTests", swiftSettings: swiftSettings),
        .testTarget(
            name: "PetitionsIntegrationTests",
            dependencies: [
                "PetitionsService", "Intake", "ServiceSupport", "TestSupport", "EventContract", "Kafka", "Postgres",
                .product(name: "HummingbirdTesting", package: "hummingbird"), .product(name: "Logging", package: "swift-log"),
            ],
            path: "Tests/PetitionsIntegrationTests", swiftSettings: swiftSettings),
        .testTarget(
            name: "DepartmentIntegrationTests",
            dependencies: [
                "PetitionsService", "HazardsService", "CasesService", "Intake", "Publishing", "ServiceSupport", "TestSupport", "EventContract",
                "Kafka", "Postgres", .product(name: "HummingbirdTesting", package: "hummingbird"),
            ],
            path: "Tests/DepartmentIntegrationTests", swiftSettings: swiftSettings),
        .testTarget(
            name: "AggregatorIntegrationTests",
            dependencies: [
                "AggregatorService", "ComplianceRules", "TestSupport", "EventContract", "Geography", "Kafka", "Postgres", "Simulation",
                .product(name: "HummingbirdTesting", package: "hummingbird"), .product(name: "Configuration", package: "swift-configuration"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Tests/AggregatorIntegrationTests", swiftSettings: swiftSettings),
        .testTarget(
            name: "EndToEndTests", dependencies: ["TestSupport", "Simulation", "EventContract", "Postgres", "Kafka"],
            path: "Tests/EndToEndTests", swiftSettings: swiftSettings),
        .testTarget(
            name: "PostgresIntegrationTests", dependencies: ["Postgres", "TestSupport"],
            path: "Tests/PostgresIntegrationTests", swiftSettings: swiftSettings),

        // MARK: - Benchmarks (run by deploy/local/bench.sh, never by the tests)
        .executableTarget(
            name: "Benchmarks", dependencies: ["Kafka", "Postgres", "EventContract"],
            path: "Tests/Benchmarks", swiftSettings: swiftSettings),
        .executableTarget(
            name: "AggregatorBenchmark", dependencies: ["Divisions", "Kafka", "Postgres", "EventContract", "Geography", "Simulation"],
            path: "Tests/AggregatorBenchmark", swiftSettings: swiftSettings),
    ]
)
