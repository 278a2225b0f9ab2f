import Foundation
import IcebergAWS
import IcebergKit
import LakeAWS
import LakeTestSupport
import Testing

/// `CatalogConnector`: which catalog a string names, and AWS asked for only when needed.
@Suite("CatalogConnector")
struct CatalogConnectorTests {
    /// An AWS factory that must not be called.
    static let noAWS: @Sendable () throws -> (AWSConfiguration, any CredentialProvider) = {
        throw AWSError(.configuration, message: "AWS asked for")
    }

    private func isUnsupported(_ body: () throws -> Void) -> Bool {
        do { try body() } catch let error as IcebergError {
            if case .unsupported = error.kind { return true }
            return false
        } catch { return false }
        return false
    }

    @Test("catalog strings: SQLite files, glue, s3:// and file:// prefixes; REST and other schemes refused")
    func kinds() throws {
        #expect(try CatalogConnector.Kind(parsing: "warehouse/catalog.db") == .sqlite(path: "warehouse/catalog.db"))
        #expect(try CatalogConnector.Kind(parsing: "/abs/lake.db") == .sqlite(path: "/abs/lake.db"))
        #expect(try CatalogConnector.Kind(parsing: "glue") == .glue)
        #expect(try CatalogConnector.Kind(parsing: "Glue") == .glue)
        #expect(try CatalogConnector.Kind(parsing: "./glue") == .sqlite(path: "./glue"))
        #expect(try CatalogConnector.Kind(parsing: "s3://bucket/tables/") == .storage(warehouse: "s3://bucket/tables"))
        #expect(try CatalogConnector.Kind(parsing: "s3a://bucket") == .storage(warehouse: "s3a://bucket"))
        #expect(try CatalogConnector.Kind(parsing: "file:///tmp/tables") == .storage(warehouse: "file:///tmp/tables"))
        #expect(isUnsupported { _ = try CatalogConnector.Kind(parsing: "rest+https://catalog.example.com/iceberg") })
        #expect(isUnsupported { _ = try CatalogConnector.Kind(parsing: "s3://") })
        #expect(isUnsupported { _ = try CatalogConnector.Kind(parsing: "http://example.com/catalog") })
    }

    @Test("local catalogs open without AWS; mismatched warehouses are refused before AWS is asked")
    func localAndRefused() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let sqlite = try CatalogConnector(catalog: directory.file("lake.db"), warehouse: directory.file("wh"), name: "lake",
                                          aws: Self.noAWS).connect()
        #expect(sqlite.name == "lake")
        #expect(FileManager.default.fileExists(atPath: directory.file("wh")))
        #expect((sqlite as? SQLiteCatalog)?.defaultLocation(TableIdentifier(namespace: "ns", name: "t"))
                == "file://" + directory.file("wh") + "/ns.db/t")

        let storage = try CatalogConnector(catalog: "file://" + directory.file("tables") + "/", aws: Self.noAWS).connect()
        #expect((storage as? StorageCatalog)?.warehouse == "file://" + directory.file("tables"))
        try await storage.createNamespace("ns")
        #expect(try await storage.listNamespaces() == ["ns"])

        #expect(isUnsupported { _ = try CatalogConnector(catalog: "glue", warehouse: directory.file("wh"), aws: Self.noAWS).connect() })
        #expect(isUnsupported { _ = try CatalogConnector(catalog: "s3://bucket/a", warehouse: "s3://bucket/b", aws: Self.noAWS).connect() })
        // The AWS factory's failure surfaces when AWS is needed.
        #expect(throws: AWSError.self) { _ = try CatalogConnector(catalog: "glue", warehouse: "s3://bucket/wh", aws: Self.noAWS).connect() }
        #expect(throws: AWSError.self) { _ = try CatalogConnector(catalog: "s3://bucket/tables", aws: Self.noAWS).connect() }
    }
}
