// swift-tools-version: 6.1
//
// The medallion lakehouse as thin executables over the Lakehouse products: each job is a short
// main that parses its arguments and calls LakePipeline. A package of its own, so the root build
// never compiles the examples (it has its own .build).
//
//   swift run -c release --package-path Examples medallion --warehouse DIR --bronze DIR
//   swift run --package-path Examples ingest|quality|gold|maintain|dashboard --warehouse DIR ...

import PackageDescription

let settings: [SwiftSetting] = [.swiftLanguageMode(.v6)]

/// A job's executable: its main, the shared options and rulesets, the pipeline.
func job(_ name: String) -> Target {
    .executableTarget(name: name, dependencies: [
        "MedallionSupport",
        .product(name: "LakePipeline", package: "Lakehouse"),
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
    ], swiftSettings: settings)
}

let package = Package(
    name: "LakehouseExamples",
    dependencies: [
        .package(name: "Lakehouse", path: ".."),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
    ],
    targets: [
        // What every job shares: the warehouse options and the DQDL rulesets shipped with the examples.
        .target(name: "MedallionSupport", dependencies: [
            .product(name: "LakePipeline", package: "Lakehouse"),
            .product(name: "LakeDQ", package: "Lakehouse"),
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ], resources: [.embedInCode("Rulesets/silver.dqdl"), .embedInCode("Rulesets/gold.dqdl")], swiftSettings: settings),
        job("ingest"), job("quality"), job("gold"), job("maintain"), job("dashboard"), job("medallion"),
    ]
)
