import IcebergKit
public import LakeAWS

extension S3FileIO {
    /// The S3 storage a REST catalog's table configuration describes with vended credentials
    /// (`s3.access-key-id`, `s3.secret-access-key`, optional `s3.session-token`, `s3.endpoint`,
    /// `s3.path-style-access`, `s3.region` or `client.region`, and
    /// `s3.session-token-expires-at-ms`), on top of `base` (region, endpoints, environment); nil
    /// when the configuration vends no access key, so the catalog's own storage is used.
    ///
    /// Pass it as a ``RESTCatalog``'s `tableIO` to read and write each table with the credentials
    /// its catalog hands out: `tableIO: { S3FileIO.vended($0, base: configuration) }`.
    public static func vended(_ properties: [String: String], base: AWSConfiguration) -> S3FileIO? {
        guard let accessKey = properties["s3.access-key-id"], !accessKey.isEmpty,
              let secret = properties["s3.secret-access-key"], !secret.isEmpty else { return nil }
        var configuration = base
        if let region = properties["s3.region"] ?? properties["client.region"], !region.isEmpty { configuration.region = region }
        if let endpoint = properties["s3.endpoint"], !endpoint.isEmpty { configuration.endpointOverrides[.s3] = endpoint }
        if let pathStyle = properties["s3.path-style-access"] { configuration.forcePathStyle = pathStyle.lowercased() == "true" }
        let token = properties["s3.session-token"].flatMap { $0.isEmpty ? nil : $0 }
        let expiration = properties["s3.session-token-expires-at-ms"].flatMap(Double.init).map { $0 / 1000 }
        let credentials = AWSCredentials(accessKeyID: accessKey, secretAccessKey: secret, sessionToken: token, expiration: expiration)
        return S3FileIO(client: S3Client(configuration: configuration, credentials: StaticCredentials(credentials)))
    }
}
