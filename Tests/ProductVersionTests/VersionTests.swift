import CloudFrontLogs
import IcebergKit
import LakeAWS
import LakeCodecs
import LakeColumnar
import LakeDQ
import ParquetWriter
import Testing

@Suite("Product versions")
struct VersionTests {
    @Test("every product has a semantic version")
    func semanticVersions() {
        let versions = [CloudFrontLogsVersion.string, ParquetWriterVersion.string, IcebergKitVersion.string,
                        LakeDQVersion.string, LakeAWSVersion.string, LakeColumnarVersion.string, LakeCodecsVersion.string]
        for version in versions {
            let parts = version.split(separator: ".")
            #expect(parts.count == 3, "\(version)")
            #expect(parts.allSatisfy { Int($0) != nil }, "\(version)")
        }
    }
}
