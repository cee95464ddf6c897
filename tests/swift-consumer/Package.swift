// swift-tools-version:6.0
// A user's Linux Swift server, as small as it gets: it depends on payquery by version, from a
// git repository, the way a remote dependency is declared, and queries an order. What it adds
// to its Package.swift is the `.package(url:from:)` line and the product below; the static
// library comes from the release's tarball through pkg-config (PKG_CONFIG_PATH), so no unsafe
// linker flags are needed. `make swift-test` publishes the package to a local git repository,
// tags it, points PAYQUERY_SWIFT_GIT at it and runs this against the sandbox.
import PackageDescription

let payquery = Context.environment["PAYQUERY_SWIFT_GIT"] ?? "https://example.invalid/payquery-swift.git"

let package = Package(
    name: "Consumer",
    platforms: [.macOS(.v12)],
    dependencies: [
        .package(url: payquery, from: "0.1.0"),
    ],
    targets: [
        .executableTarget(
            name: "Consumer",
            dependencies: [.product(name: "Payquery", package: "payquery-swift")]
        ),
    ]
)
