// swift-tools-version:6.0
// The comparison peer for Benchmarks/http: a minimal Hummingbird 2 server serving the same
// bytes as our bench server. A separate package so the product never depends on Hummingbird.
import PackageDescription

let package = Package(
    name: "hummingbird-peer",
    platforms: [.macOS(.v14)],
    dependencies: [
        .package(url: "https://github.com/hummingbird-project/hummingbird", exact: "2.28.1"),
    ],
    targets: [
        .executableTarget(
            name: "HummingbirdPeer",
            dependencies: [.product(name: "Hummingbird", package: "hummingbird")]
        ),
    ]
)
