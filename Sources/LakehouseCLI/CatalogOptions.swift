import ArgumentParser
import IcebergAWS
import IcebergKit
import LakeAWS

/// The catalog options of every command that opens Iceberg tables (`lakehouse iceberg …`,
/// `lakehouse dq run --table`): `--catalog` is a SQLite file (as before), `glue`,
/// `rest+https://host/path` (an Iceberg REST catalog), or `s3://bucket/prefix` (catalog-less
/// tables there); `--warehouse` a local directory, `s3://bucket/prefix`, or a REST catalog's
/// warehouse name; AWS settings as `lakehouse aws` takes them. IcebergAWS's `CatalogConnector`
/// does the opening (REST authentication from `LAKEHOUSE_REST_*` environment variables).
struct CatalogOptions: ParsableArguments {
    @Option(help: ArgumentHelp(
        "The catalog: a SQLite catalog file, glue (the Glue Data Catalog, tables on S3), rest+https://host/path (an Iceberg REST catalog; SigV4 for AWS and --endpoint-url hosts, else LAKEHOUSE_REST_TOKEN or LAKEHOUSE_REST_CREDENTIAL), or s3://bucket/prefix (catalog-less tables under that prefix).",
        valueName: "file|glue|rest+https://…|s3://bucket/prefix"))
    var catalog: String = "warehouse/catalog.db"
    @Option(help: ArgumentHelp(
        "Warehouse: a directory or s3://bucket/prefix (default: warehouse for a SQLite catalog; a Glue database's location; a storage catalog's prefix); for a REST catalog, the warehouse it is asked for (S3 Tables: the table bucket ARN).",
        valueName: "dir|s3://bucket/prefix"))
    var warehouse: String?
    @Option(help: "Catalog name (pyiceberg's SqlCatalog name, default: default), so an existing pyiceberg catalog opens as it is.")
    var catalogName: String?
    @OptionGroup(title: "AWS (for glue, REST and s3:// catalogs and warehouses)") var aws: AWSCommand.Options

    /// The connector these options describe.
    func connector() throws -> CatalogConnector {
        let (region, endpointURL, profile, pathStyle) = (aws.region, aws.endpointURL, aws.profile, aws.pathStyle)
        return try CatalogConnector(catalog: catalog, warehouse: warehouse, name: catalogName) {
            let (configuration, credentials) = try AWSCommand.Options.make(region: region, endpointURL: endpointURL,
                                                                           profile: profile, pathStyle: pathStyle)
            return (configuration, credentials)
        }
    }

    /// The catalog these options name.
    func open() throws -> any Catalog {
        try connector().connect()
    }
}
