import CloudFrontLogs
import Foundation
import IcebergAWS
import IcebergKit
import IcebergREST
import LakeAWS
import LakeCodecs
import LakeColumnar
import LakeDQ
import ParquetWriter
import Testing

@Suite("Product versions")
struct VersionTests {
    static let products: [(String, String)] = [
        ("CloudFrontLogs", CloudFrontLogsVersion.string), ("ParquetWriter", ParquetWriterVersion.string),
        ("IcebergKit", IcebergKitVersion.string), ("LakeDQ", LakeDQVersion.string), ("LakeAWS", LakeAWSVersion.string),
        ("LakeColumnar", LakeColumnarVersion.string), ("LakeCodecs", LakeCodecsVersion.string),
        ("IcebergAWS", IcebergAWSVersion.string), ("IcebergREST", IcebergRESTVersion.string),
    ]

    @Test("every product has a semantic version with a matching CHANGELOG section")
    func versionsMatchChangelog() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let changelog = try String(contentsOf: root.appendingPathComponent("CHANGELOG.md"), encoding: .utf8)
        let lines = changelog.split(separator: "\n").map(String.init)
        for (product, version) in Self.products {
            let parts = version.split(separator: ".")
            #expect(parts.count == 3 && parts.allSatisfy { Int($0) != nil }, "\(product) \(version) is not major.minor.patch")
            // The product's section must list its current version as its newest entry.
            let section = try #require(lines.firstIndex(of: "## \(product)"), "CHANGELOG.md has no section for \(product)")
            let newest = lines[(section + 1)...].first { $0.hasPrefix("### ") || $0.hasPrefix("## ") }
            #expect(newest == "### \(version)", "\(product): CHANGELOG's newest entry is \(newest ?? "missing"), code says \(version)")
        }
    }
}
