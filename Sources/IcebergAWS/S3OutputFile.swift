import IcebergKit
import LakeAWS

/// An S3 object to write, streamed through an ``S3FileWriter``.
struct S3OutputFile: OutputFile {
    let location: String
    let client: S3Client
    let partSize: Int
    let encryption: S3Encryption?

    func writer(mode: WriteMode) async throws(IcebergError) -> any FileWriter {
        S3FileWriter(client: client, object: try S3Location(object: location), location: location, mode: mode,
                     partSize: partSize, encryption: encryption)
    }
}
