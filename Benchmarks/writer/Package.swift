// swift-tools-version:6.0
import Foundation
import PackageDescription

// The root package is a path dependency; its identity is its directory's name, whatever the checkout is called.
let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

let package = Package(
    name: "writer-bench",
    dependencies: [.package(path: "../..")],
    targets: [
        .executableTarget(
            name: "writer-bench",
            dependencies: [.product(name: "Storage", package: root.lastPathComponent)],
            swiftSettings: [.enableUpcomingFeature("ExistentialAny")]
        )
    ]
)
