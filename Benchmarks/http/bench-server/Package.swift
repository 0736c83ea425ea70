// swift-tools-version:6.0
// Our side of Benchmarks/http: a tiny executable on the product's own HTTP, Sockets and Support
// sources (symlinked from ../../../Sources, so the product's Package.swift needs no library product).
import PackageDescription

let package = Package(
    name: "bench-server",
    targets: [
        .target(name: "CSystemLinux", path: "Sources/CSystemLinux"),
        .target(name: "Support", dependencies: ["CSystemLinux"], path: "Sources/Support"),
        .target(name: "Sockets", dependencies: ["CSystemLinux", "Support"], path: "Sources/Sockets"),
        .target(name: "HTTP", dependencies: ["Sockets", "Support"], path: "Sources/HTTP"),
        .executableTarget(name: "BenchServer", dependencies: ["HTTP", "Support"], path: "Sources/BenchServer"),
    ]
)
