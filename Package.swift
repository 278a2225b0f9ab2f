// swift-tools-version: 6.1
//
// Lakehouse — an embeddable Swift SDK for a serverless data lakehouse of web access logs.
// Modules depend downward only; see Documentation/Architecture.md for the graph.

import PackageDescription

let strictSettings: [SwiftSetting] = [
    .swiftLanguageMode(.v6),
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("InternalImportsByDefault"),
]

let package = Package(
    name: "Lakehouse",
    products: [
        .library(name: "CloudFrontLogs", targets: ["CloudFrontLogs"]),
        .library(name: "ParquetWriter", targets: ["ParquetWriter"]),
        .library(name: "IcebergKit", targets: ["IcebergKit"]),
        .library(name: "LakeDQ", targets: ["LakeDQ"]),
        .library(name: "LakeAWS", targets: ["LakeAWS"]),
        .library(name: "IcebergAWS", targets: ["IcebergAWS"]),
        .library(name: "IcebergREST", targets: ["IcebergREST"]),
        .library(name: "LakeColumnar", targets: ["LakeColumnar"]),
        .library(name: "LakeCodecs", targets: ["LakeCodecs"]),
        .library(name: "LakePipeline", targets: ["LakePipeline"]),
        .executable(name: "lakehouse", targets: ["LakehouseCLI"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/apple/swift-crypto", "3.12.3"..<"5.0.0"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
    ],
    targets: [
        // System libraries (Debian: libzstd-dev, zlib1g-dev).
        .systemLibrary(name: "CZstd", path: "Sources/CZstd", pkgConfig: "libzstd",
                       providers: [.apt(["libzstd-dev"])]),
        .systemLibrary(name: "CZlib", path: "Sources/CZlib", pkgConfig: "zlib",
                       providers: [.apt(["zlib1g-dev"])]),
        // ISA-L's igzip inflate (Debian: libisal-dev), header-only and optional at build and run
        // time: used when the header was there and dlopen("libisal.so.2") works; zlib otherwise.
        .systemLibrary(name: "CLakeInflate", path: "Sources/CLakeInflate"),

        // Byte classification with SIMD movemasks for the text parsers (C: Swift cannot express them).
        .target(name: "CLakeSIMD", path: "Sources/CLakeSIMD"),
        // Allocator settings for the executable (mallopt is not in Swift's Glibc overlay).
        .target(name: "CLakeSystem", path: "Sources/CLakeSystem"),

        // Bottom layer: the columnar currency and the codecs.
        .target(name: "LakeColumnar", swiftSettings: strictSettings),
        .target(name: "LakeCodecs", dependencies: ["CZstd", "CZlib", "CLakeInflate"], swiftSettings: strictSettings),

        // Products.
        .target(name: "CloudFrontLogs",
                dependencies: ["LakeColumnar", "LakeCodecs", "CLakeSIMD"],
                swiftSettings: strictSettings),
        .target(name: "ParquetWriter",
                dependencies: ["LakeColumnar", "LakeCodecs"],
                swiftSettings: strictSettings),
        .target(name: "IcebergKit",
                dependencies: ["ParquetWriter", "LakeColumnar", "LakeCodecs", .product(name: "GRDB", package: "GRDB.swift")],
                swiftSettings: strictSettings),
        .target(name: "LakeDQ",
                dependencies: ["LakeColumnar", "ParquetWriter", .product(name: "Crypto", package: "swift-crypto")],
                swiftSettings: strictSettings),
        .target(name: "LakeAWS",
                dependencies: [.product(name: "Crypto", package: "swift-crypto"), .product(name: "Logging", package: "swift-log"),
                               .product(name: "AsyncHTTPClient", package: "async-http-client")],
                swiftSettings: strictSettings),
        // The Iceberg REST catalog client, a catalog in its own module (IcebergKit never imports it).
        .target(name: "IcebergREST",
                dependencies: ["IcebergKit", .product(name: "Logging", package: "swift-log"),
                               .product(name: "AsyncHTTPClient", package: "async-http-client")],
                swiftSettings: strictSettings),
        // Adapters: IcebergKit on AWS (IcebergKit never imports LakeAWS).
        .target(name: "IcebergAWS",
                dependencies: ["IcebergKit", "IcebergREST", "LakeAWS", "LakeColumnar"],
                swiftSettings: strictSettings),

        // The medallion pipeline (bronze → silver → gold → quality → dashboard) over the products;
        // the CLI and the Examples/ executables call it. AWS wiring comes through adapters.
        .target(name: "LakePipeline",
                dependencies: ["CloudFrontLogs", "IcebergKit", "LakeDQ", "LakeColumnar", "ParquetWriter", "LakeCodecs",
                               .product(name: "Logging", package: "swift-log")],
                swiftSettings: strictSettings),

        // The command-line shell over every product.
        .executableTarget(
            name: "LakehouseCLI",
            dependencies: [
                "CloudFrontLogs", "ParquetWriter", "IcebergKit", "LakeDQ", "LakeAWS", "IcebergAWS",
                "LakeColumnar", "LakeCodecs", "CLakeSystem", "LakePipeline",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            // The demo's silver and gold rulesets (silver's also read by the benchmark kernels).
            resources: [.embedInCode("Rulesets/silver.dqdl"), .embedInCode("Rulesets/gold.dqdl")],
            swiftSettings: strictSettings),

        // Tests.
        .target(name: "LakeTestSupport", dependencies: ["LakeColumnar", "IcebergKit"], path: "Tests/LakeTestSupport",
                swiftSettings: strictSettings),
        .testTarget(name: "LakeColumnarTests", dependencies: ["LakeColumnar", "LakeTestSupport"],
                    swiftSettings: strictSettings),
        .testTarget(name: "LakeCodecsTests", dependencies: ["LakeCodecs", "LakeTestSupport"],
                    swiftSettings: strictSettings),
        .testTarget(name: "CloudFrontLogsTests",
                    dependencies: ["CloudFrontLogs", "LakeCodecs", "LakeColumnar", "LakeTestSupport"],
                    swiftSettings: strictSettings),
        .testTarget(name: "ParquetWriterTests",
                    dependencies: ["ParquetWriter", "LakeColumnar", "LakeCodecs", "CloudFrontLogs", "LakeTestSupport"],
                    swiftSettings: strictSettings),
        // The process the crash torture kills at numbered points of the write path.
        .executableTarget(name: "lakehouse-crash-worker", dependencies: ["IcebergKit", "IcebergAWS", "LakeAWS", "LakeColumnar"],
                          path: "Tests/CrashWorker", swiftSettings: strictSettings),
        .testTarget(name: "IcebergKitTests",
                    dependencies: ["IcebergKit", "LakeColumnar", "LakeCodecs", "LakeTestSupport"],
                    swiftSettings: strictSettings),
        .testTarget(name: "LakeDQTests",
                    dependencies: ["LakeDQ", "LakeColumnar", "ParquetWriter", "CloudFrontLogs", "LakeTestSupport"],
                    swiftSettings: strictSettings),
        .testTarget(name: "LakeAWSTests",
                    dependencies: ["LakeAWS", "LakeTestSupport"],
                    swiftSettings: strictSettings),
        .testTarget(name: "IcebergRESTTests",
                    dependencies: ["IcebergREST", "IcebergKit", "LakeColumnar", "LakeTestSupport"],
                    swiftSettings: strictSettings),
        .testTarget(name: "IcebergAWSTests",
                    dependencies: ["IcebergAWS", "IcebergREST", "IcebergKit", "LakeAWS", "LakeColumnar", "LakeTestSupport"],
                    swiftSettings: strictSettings),
        // Runs the built `lakehouse` executable (swift build --build-tests builds it).
        .testTarget(name: "LakehouseCLITests",
                    dependencies: ["ParquetWriter", "LakeColumnar", "LakeTestSupport"],
                    swiftSettings: strictSettings),
        .testTarget(name: "LakePipelineTests",
                    dependencies: ["LakePipeline", "IcebergKit", "CloudFrontLogs", "LakeColumnar", "LakeCodecs", "LakeDQ",
                                   "LakeTestSupport"],
                    swiftSettings: strictSettings),
        .testTarget(name: "ProductVersionTests",
                    dependencies: ["CloudFrontLogs", "ParquetWriter", "IcebergKit", "LakeDQ", "LakeAWS",
                                   "LakeColumnar", "LakeCodecs", "IcebergAWS", "IcebergREST"],
                    swiftSettings: strictSettings),
    ]
)
