import Foundation
import IcebergAWS
import IcebergKit
import LakeAWS

/// The catalog the worker commits through, named by its first argument:
///
/// - a path: the SQLite catalog in that file (local warehouse);
/// - `storage`: the catalog-less path (``StorageCatalog``): the warehouse is `s3://…` on the S3
///   endpoint `LAKEHOUSE_CRASH_S3_ENDPOINT` with `LAKEHOUSE_CRASH_S3_KEY` / `_SECRET`, or a
///   local directory;
/// - `glue`: Glue at `LAKEHOUSE_CRASH_GLUE_ENDPOINT` (key and secret `test`, ministack's root
///   account, unless `LAKEHOUSE_CRASH_GLUE_KEY` / `_SECRET` say otherwise), table files on the
///   S3 endpoint as above.
///
/// Every byte goes through `CrashingFileIO`, so the kill points cover S3 uploads too.
enum CrashCatalogs {
    static var environment: [String: String] { ProcessInfo.processInfo.environment }

    static func configuration(_ service: AWSService, endpointVariable: String) throws -> AWSConfiguration {
        guard let endpoint = environment[endpointVariable] else { fail("\(endpointVariable) is not set") }
        return try AWSConfiguration(region: "us-east-1", endpointOverrides: [service: endpoint], forcePathStyle: true,
                                    environment: ["AWS_MAX_ATTEMPTS": environment["AWS_MAX_ATTEMPTS"] ?? "3"],
                                    profile: AWSProfile(name: "crash", settings: [:], services: [:]))
    }

    static func s3FileIO() throws -> S3FileIO {
        let credentials = AWSCredentials(accessKeyID: environment["LAKEHOUSE_CRASH_S3_KEY"] ?? "testing",
                                         secretAccessKey: environment["LAKEHOUSE_CRASH_S3_SECRET"] ?? "testing")
        return S3FileIO(client: S3Client(configuration: try configuration(.s3, endpointVariable: "LAKEHOUSE_CRASH_S3_ENDPOINT"),
                                         credentials: StaticCredentials(credentials)))
    }

    /// The catalog `argument` names over a FileIO that counts `points`.
    static func open(_ argument: String, warehouse: String, points: CrashPoints) throws -> CrashingCatalog {
        let objectStore = warehouse.hasPrefix("s3://")
        let io = CrashingFileIO(base: objectStore ? try s3FileIO() : LocalFileIO(), points: points)
        let base: any Catalog
        switch argument {
        case "storage":
            base = StorageCatalog(warehouse: warehouse, io: io)
        case "glue":
            let credentials = AWSCredentials(accessKeyID: environment["LAKEHOUSE_CRASH_GLUE_KEY"] ?? "test",
                                             secretAccessKey: environment["LAKEHOUSE_CRASH_GLUE_SECRET"] ?? "test")
            let glue = GlueClient(configuration: try configuration(.glue, endpointVariable: "LAKEHOUSE_CRASH_GLUE_ENDPOINT"),
                                  credentials: StaticCredentials(credentials))
            base = GlueCatalog(glue: glue, io: io, warehouse: warehouse)
        default:
            base = try SQLiteCatalog(path: argument, warehouse: warehouse, io: io)
        }
        return CrashingCatalog(base: base, points: points, io: io)
    }
}
