// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "cfsync",
    products: [
        .executable(name: "cfsync", targets: ["cfsync"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/LebJe/TOMLKit", from: "0.6.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
    ],
    targets: [
        // libnftables, linked dynamically: headers only, no logic.
        .systemLibrary(
            name: "CNftables",
            pkgConfig: "libnftables",
            providers: [.apt(["libnftables-dev"])]
        ),
        // Set elements read with one netlink dump through libmnl (linked dynamically; a
        // dependency of libnftables already): libnftables decodes every element of every
        // set for any listing that shows rules, ~0.5 s of CPU at 100k elements.
        .target(name: "CNftNetlink", linkerSettings: [.linkedLibrary("mnl")]),
        // The only Swift code that calls libnftables or the netlink reader.
        .target(name: "Nftables", dependencies: ["CNftables", "CNftNetlink", "CFSyncCore"]),
        // libcurl through dlopen on the first http(s) fetch: curl.h for types only, not
        // linked, so runs that never fetch do not load libcurl and its dependencies.
        .target(name: "CCurlLoader"),
        // Pure logic: prefixes, guards, planning, rendering. No I/O.
        .target(name: "CFSyncCore"),
        // Effects: fetching, state on disk, backends, the end-to-end runs.
        .target(
            name: "CFSync",
            dependencies: [
                "CFSyncCore", "Nftables", "CCurlLoader",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "TOMLKit", package: "TOMLKit"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ]
        ),
        // Argument parsing and output only. Release links use lld with packed relative
        // relocations and the function order of scripts/link-order: the kernel maps code
        // 64 KiB around each page a run touches, and with the functions a run uses spread
        // over 18 MB of code that was a third of cfsync's peak RSS (docs/performance.md).
        .executableTarget(
            name: "cfsync",
            dependencies: ["CFSync", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            linkerSettings: [
                .unsafeFlags([
                    "-use-ld=lld",
                    "-Xlinker", "-z", "-Xlinker", "pack-relative-relocs",
                    "-Xlinker", "--symbol-ordering-file=\(Context.packageDirectory)/packaging/link-order.txt",
                    "-Xlinker", "--no-warn-symbol-ordering",
                ], .when(configuration: .release)),
            ]
        ),
        .target(name: "CFSyncTestSupport", dependencies: ["CFSyncCore", "CFSync", "Nftables"], path: "Tests/CFSyncTestSupport"),
        .testTarget(name: "CFSyncCoreTests", dependencies: ["CFSyncCore", "CFSyncTestSupport"]),
        .testTarget(name: "CFSyncTests", dependencies: ["CFSync", "CFSyncTestSupport"]),
        // Real netfilter. Runs only inside the network namespaces scripts/test creates.
        .testTarget(name: "NetfilterTests", dependencies: ["CFSyncCore", "CFSyncTestSupport"]),
    ],
    swiftLanguageModes: [.v5]
)
