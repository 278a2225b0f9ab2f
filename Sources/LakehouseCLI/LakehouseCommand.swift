import ArgumentParser
import CloudFrontLogs
import IcebergKit
import LakeAWS
import LakeCodecs
import LakeColumnar
import LakeDQ
import ParquetWriter

@main
struct LakehouseCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lakehouse",
        abstract: "A serverless data lakehouse for CloudFront access logs.",
        subcommands: [VersionCommand.self, CloudFrontCommand.self, ParquetCommand.self, IcebergCommand.self, DQCommand.self, AWSCommand.self, DemoCommand.self, BenchCommand.self]
    )
}

struct VersionCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "version", abstract: "Print each product's version.")

    func run() {
        let versions = [
            ("CloudFrontLogs", CloudFrontLogsVersion.string),
            ("ParquetWriter", ParquetWriterVersion.string),
            ("IcebergKit", IcebergKitVersion.string),
            ("LakeDQ", LakeDQVersion.string),
            ("LakeAWS", LakeAWSVersion.string),
            ("LakeColumnar", LakeColumnarVersion.string),
            ("LakeCodecs", LakeCodecsVersion.string),
        ]
        for (name, version) in versions { print("\(name) \(version)") }
    }
}
