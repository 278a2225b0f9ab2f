// swift-tools-version: 6.1
//
// In-process benchmarks of the Lakehouse kernels with ordo-one package-benchmark: wall clock,
// throughput, peak resident memory and allocations per kernel, with baselines to compare against.
// A package of its own so that the main build never fetches the benchmark dependencies.
//
//   cd Benchmarks && swift package --allow-writing-to-package-directory benchmark
//
// The side-by-side comparison with DuckDB, polars, pyarrow and pyiceberg is `Benchmarks/run.sh`.

import PackageDescription

let package = Package(
    name: "LakehouseBenchmarks",
    platforms: [.macOS(.v13)],
    dependencies: [
        .package(name: "Lakehouse", path: ".."),
        .package(url: "https://github.com/ordo-one/benchmark", from: "1.38.1", traits: ["MallocInterposer"]),
    ],
    targets: [
        .executableTarget(
            name: "Kernels",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "CloudFrontLogs", package: "Lakehouse"),
                .product(name: "ParquetWriter", package: "Lakehouse"),
                .product(name: "IcebergKit", package: "Lakehouse"),
                .product(name: "LakeDQ", package: "Lakehouse"),
                .product(name: "LakeCodecs", package: "Lakehouse"),
                .product(name: "LakeColumnar", package: "Lakehouse"),
            ],
            path: "Kernels",
            swiftSettings: [.swiftLanguageMode(.v6)],
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
    ]
)
