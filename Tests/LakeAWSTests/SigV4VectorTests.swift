import Foundation
import LakeAWS
import Testing

/// The worked examples of the S3 SigV4 documentation (header, query and chunked signing).
@Suite("SigV4 documented vectors")
struct SigV4VectorTests {
    static let credentials = AWSCredentials(accessKeyID: "AKIAIOSFODNN7EXAMPLE",
                                            secretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")
    static let date = Date(timeIntervalSince1970: 1_369_353_600)  // 2013-05-24T00:00:00Z
    static let signer = SigV4Signer(credentials: credentials, region: "us-east-1", service: "s3")

    @Test("timestamps are UTC yyyyMMdd'T'HHmmss'Z'")
    func timestamp() {
        #expect(SigV4Signer.timestamp(Self.date) == "20130524T000000Z")
        #expect(SigV4Signer.timestamp(Date(timeIntervalSince1970: 951_782_400 + 86_399)) == "20000229T235959Z")
        #expect(SigV4Signer.timestamp(Date(timeIntervalSince1970: 0)) == "19700101T000000Z")
    }

    @Test("GET object with a range header")
    func getObject() {
        var request = SignableRequest(method: "GET", host: "examplebucket.s3.amazonaws.com", path: "/test.txt",
                                      headers: [HeaderField("Range", "bytes=0-9")])
        let signature = Self.signer.sign(&request, payload: .bytes([]), date: Self.date)
        #expect(signature.signature == "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41")
        #expect(signature.signedHeaders == "host;range;x-amz-content-sha256;x-amz-date")
        #expect(request.header("authorization")?.hasPrefix("AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request") == true)
    }

    @Test("PUT object: the path is encoded once ($ → %24) and the body hashed")
    func putObject() {
        var request = SignableRequest(method: "PUT", host: "examplebucket.s3.amazonaws.com", path: "/test$file.text",
                                      headers: [HeaderField("Date", "Fri, 24 May 2013 00:00:00 GMT"),
                                                HeaderField("x-amz-storage-class", "REDUCED_REDUNDANCY")])
        let signature = Self.signer.sign(&request, payload: .bytes(Array("Welcome to Amazon S3.".utf8)), date: Self.date)
        #expect(request.encodedPath == "/test%24file.text")
        #expect(signature.signature == "98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd")
    }

    @Test("a valueless query parameter and a sorted query")
    func queries() {
        var lifecycle = SignableRequest(method: "GET", host: "examplebucket.s3.amazonaws.com", path: "/", query: [QueryItem("lifecycle")])
        #expect(Self.signer.sign(&lifecycle, payload: .bytes([]), date: Self.date).signature
                == "fea454ca298b7da1c68078a5d1bdbfbbe0d65c699e0f91ac7a200a0136783543")
        var list = SignableRequest(method: "GET", host: "examplebucket.s3.amazonaws.com", path: "/",
                                   query: [QueryItem("prefix", "J"), QueryItem("max-keys", "2")])
        #expect(Self.signer.sign(&list, payload: .bytes([]), date: Self.date).signature
                == "34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7")
    }

    @Test("presigned GET")
    func presigned() throws {
        let request = SignableRequest(method: "GET", host: "examplebucket.s3.amazonaws.com", path: "/test.txt")
        let (url, signature) = try Self.signer.presignedURL(request, expires: 86_400, date: Self.date)
        #expect(signature.signature == "aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404")
        #expect(url.hasSuffix("&X-Amz-Signature=aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404"))
        #expect(url.contains("X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request"))
        #expect(throws: SigningError.self) { try Self.signer.presignedURL(request, expires: 604_801, date: Self.date) }
    }

    @Test("aws-chunked upload: seed and chained chunk signatures, framing length")
    func chunked() {
        var request = SignableRequest(method: "PUT", host: "s3.amazonaws.com", path: "/examplebucket/chunkObject.txt",
                                      headers: [HeaderField("Content-Encoding", "aws-chunked"),
                                                HeaderField("Content-Length", "66824"),
                                                HeaderField("x-amz-decoded-content-length", "66560"),
                                                HeaderField("x-amz-storage-class", "REDUCED_REDUNDANCY")])
        let seed = Self.signer.sign(&request, payload: .streaming, date: Self.date)
        #expect(seed.signature == "4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9")
        var encoder = AWSChunkedEncoder(signer: Self.signer, seedSignature: seed.signature, date: Self.date, chunkSize: 65_536)
        _ = encoder.frame([UInt8](repeating: UInt8(ascii: "a"), count: 65_536))
        #expect(encoder.previousSignature == "ad80c730a21e5b8d04586a2213dd63b9a0e99e0e2307b0ade35a65485a288648")
        _ = encoder.frame([UInt8](repeating: UInt8(ascii: "a"), count: 1_024))
        #expect(encoder.previousSignature == "0055627c9e194cb4542bae2aa5492e3c1575bbb81b612b7d234b86a503ef5497")
        _ = encoder.frame([UInt8]())
        #expect(encoder.previousSignature == "b6c6ea8a5354eaf15b3cb7646744f4275b71ea724fed81ceb9323e279d449df9")
        #expect(AWSChunkedEncoder.encodedLength(payloadLength: 66_560, chunkSize: 65_536) == 66_824)
        var whole = AWSChunkedEncoder(signer: Self.signer, seedSignature: seed.signature, date: Self.date, chunkSize: 65_536)
        #expect(whole.encode([UInt8](repeating: UInt8(ascii: "a"), count: 66_560)).count == 66_824)
    }

    @Test("credentials never print their secrets")
    func redaction() {
        let credentials = AWSCredentials(accessKeyID: "AKID", secretAccessKey: "very-secret", sessionToken: "token-secret")
        for text in [credentials.description, String(reflecting: credentials), "\(credentials)"] {
            #expect(!text.contains("very-secret") && !text.contains("token-secret"), "\(text)")
        }
    }
}
