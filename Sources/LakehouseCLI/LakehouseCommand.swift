import ArgumentParser
import CLakeSystem
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

    static func main() async {
        tuneAllocator()
        await main(nil)
    }
}

/// Keeps glibc's allocator from handing batch-sized buffers back to the kernel after every
/// batch only to fault them in again for the next one (measured: a fifth of the parse time as
/// page faults with 4,096-row batches): blocks under 4 MB come from the heap, which keeps up to
/// 16 MB free at its top; larger ones (reserved for worst cases, mostly untouched) are mapped
/// and unmapped. Keeping more free memory (128 MB was tried) only raised peak RSS, by memory
/// that waits for reuse; so did one arena per thread (a batch is allocated by the parsing
/// thread and freed by the writing one): one arena took 8 MB off the peak, at no measured cost.
/// A setting of this executable, not of the libraries.
func tuneAllocator() {
    _ = lake_tune_allocator(4 << 20, 16 << 20, 4 << 20, 1)
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
