// swift-tools-version:6.0
import PackageDescription

/// Settings every Swift target shares: Swift 6 language mode plus explicit `any`.
let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
]

let package = Package(
    name: "billing-server",
    products: [
        .executable(name: "billing-server", targets: ["billing-server"]),
        .executable(name: "asaas-fake", targets: ["asaas-fake"]),
        .library(name: "Storage", targets: ["Storage"]),  // for Benchmarks/writer
    ],
    targets: [
        // C libraries of the system, reached through module maps (see each shim.h).
        .systemLibrary(name: "CSQLite", path: "Sources/CSQLite", providers: [.apt(["libsqlite3-dev"])]),
        .systemLibrary(name: "CPostgres", path: "Sources/CPostgres", providers: [.apt(["libpq-dev"])]),
        .systemLibrary(name: "CCurl", path: "Sources/CCurl", providers: [.apt(["libcurl4-openssl-dev"])]),
        .systemLibrary(name: "CCrypto", path: "Sources/CCrypto", providers: [.apt(["libssl-dev"])]),
        .systemLibrary(name: "CHaru", path: "Sources/CHaru", providers: [.apt(["libhpdf-dev"])]),
        .target(name: "CSystemLinux", path: "Sources/CSystemLinux"),

        // Our modules, each knowing only the ones below it (docs/ARCHITECTURE in ../shared).
        .target(name: "Support", dependencies: ["CSystemLinux"], swiftSettings: swiftSettings),
        .target(name: "Sockets", dependencies: ["CSystemLinux", "Support"], swiftSettings: swiftSettings),
        .target(name: "HTTP", dependencies: ["Sockets", "Support"], swiftSettings: swiftSettings),
        .target(name: "Storage", dependencies: ["CSQLite", "CPostgres", "CCrypto", "Support"], swiftSettings: swiftSettings),
        .target(name: "Billing", dependencies: ["Storage", "CCrypto", "CHaru", "Support"], swiftSettings: swiftSettings),
        .target(name: "Outbound", dependencies: ["CCurl", "Support"], swiftSettings: swiftSettings),
        .target(name: "Asaas", dependencies: ["Outbound", "Support"], swiftSettings: swiftSettings),
        .target(name: "AdminAPI", dependencies: ["HTTP", "Billing", "Asaas", "Outbound", "Storage", "Support"], swiftSettings: swiftSettings),
        .executableTarget(name: "billing-server", dependencies: ["AdminAPI", "HTTP", "Billing", "Storage", "Support"], swiftSettings: swiftSettings),
        .target(name: "AsaasFake", dependencies: ["HTTP", "Outbound", "Support"], swiftSettings: swiftSettings),
        .executableTarget(name: "asaas-fake", dependencies: ["AsaasFake", "HTTP", "Support"], swiftSettings: swiftSettings),

        // libFuzzer targets (Tests/Fuzz/run.sh builds them with -sanitize=fuzzer -DFUZZING; a normal build
        // gives executables that replay the committed corpus). FuzzDriver declares libFuzzer's C driver with `@_extern(c)`.
        .target(name: "FuzzDriver", path: "Tests/Fuzz/Driver", swiftSettings: swiftSettings + [.enableExperimentalFeature("Extern")]),
        .executableTarget(name: "fuzz-actions", dependencies: ["FuzzDriver", "AdminAPI", "HTTP", "Support"], path: "Tests/Fuzz/Actions",
                          swiftSettings: swiftSettings),
        .executableTarget(name: "fuzz-asaas-webhook", dependencies: ["FuzzDriver", "Asaas", "Billing", "Support"], path: "Tests/Fuzz/AsaasWebhook",
                          swiftSettings: swiftSettings),

        .testTarget(name: "HTTPTests", dependencies: ["HTTP", "Sockets", "Support"], swiftSettings: swiftSettings),
        .testTarget(name: "StorageTests", dependencies: ["Storage", "Support", "LoopbackTestSupport"], swiftSettings: swiftSettings),
        .testTarget(name: "BillingTests", dependencies: ["Billing", "Storage", "Support", "PropertyTestSupport", "BackendTestSupport"],
                    swiftSettings: swiftSettings),
        // Blocking loopback peers (sockets, line reader, listener, SMTP sink) shared by the test targets.
        .target(name: "LoopbackTestSupport", path: "Tests/LoopbackTestSupport", swiftSettings: swiftSettings),
        // Seeded random hostile strings and python3 as an independent parser, for the encoders' property tests.
        .target(name: "PropertyTestSupport", path: "Tests/PropertyTestSupport", swiftSettings: swiftSettings),
        // Which backend the server-level suites run on (BILLING_TEST_BACKEND) and fresh PostgreSQL databases for them.
        .target(name: "BackendTestSupport", dependencies: ["Storage"], path: "Tests/BackendTestSupport", swiftSettings: swiftSettings),
        .testTarget(name: "SupportTests", dependencies: ["Support", "PropertyTestSupport"], swiftSettings: swiftSettings),
        .testTarget(name: "OutboundTests", dependencies: ["Outbound", "Support", "LoopbackTestSupport", "PropertyTestSupport"], swiftSettings: swiftSettings),
        .testTarget(name: "AsaasTests", dependencies: ["Asaas", "AsaasFake", "HTTP", "Outbound", "Support"], swiftSettings: swiftSettings),
        .testTarget(name: "AdminAPITests", dependencies: ["AdminAPI", "AsaasFake", "HTTP", "Billing", "Outbound", "Storage", "Support", "LoopbackTestSupport",
                                                         "PropertyTestSupport", "BackendTestSupport"], swiftSettings: swiftSettings),
    ]
)
