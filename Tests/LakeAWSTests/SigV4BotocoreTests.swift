import Foundation
import LakeAWS
import LakeTestSupport
import Testing

/// Differential test: canonical requests and signatures byte-identical to botocore's signer
/// (SigV4Auth, S3SigV4Auth and their query/presign variants) over generated requests.
@Suite("SigV4 vs botocore", .enabled(if: Interop.enabled))
struct SigV4BotocoreTests {
    struct Case: Codable {
        var service: String
        var method: String
        var host: String
        var path: String
        var encodedPath: String
        var query: [[String]]
        var headers: [[String]]
        var body: String
        var token: String?
        var presignExpires: Int?
    }

    static func generate(seed: UInt64, count: Int) -> [Case] {
        var random = SeededRandom(seed: seed)
        func pick<T>(_ items: [T]) -> T { items[Int.random(in: 0..<items.count, using: &random)] }
        let pathPieces = ["a", "b c", "~tilde", "ü", "日本", "x+y", "%41", "=", "&", ".", "..", "", "a$b", "k'ey", "(1)", "*", "!", "@:"]
        let queryNames = ["prefix", "max-keys", "list-type", "a b", "é", "x~y", "k=v", "empty", "Z", "a"]
        let queryValues = ["", "J", "2", "a/b", "with space", "ü", "+", "%", "1=2", "~.-_"]
        let headerNames = ["X-Amz-Meta-Name", "x-amz-storage-class", "Content-Type", "Range", "X-Custom", "x-amz-meta-list"]
        let headerValues = ["simple", "  padded  ", "inner   runs\tof  space", "a,b", "bytes=0-9", "text/plain; charset=utf-8", ""]
        var cases: [Case] = []
        for _ in 0..<count {
            let service = pick(["s3", "s3", "glue", "athena", "sts"])
            let segments = (0..<Int.random(in: 0...4, using: &random)).map { _ in pick(pathPieces) }
            var path = "/" + segments.joined(separator: "/")
            if Bool.random(using: &random) && !segments.isEmpty { path += "/" }
            if Int.random(in: 0..<5, using: &random) == 0 { path = "/a//b" }
            let presign = Int.random(in: 0..<4, using: &random) == 0 ? Int.random(in: 1...604_800, using: &random) : nil
            var query: [[String]] = []
            var usedNames: Set<String> = []
            for _ in 0..<Int.random(in: 0...4, using: &random) {
                let name = pick(queryNames)
                // Presigning (parse_qs in botocore) keeps one value per name.
                if presign != nil && usedNames.contains(name) { continue }
                usedNames.insert(name)
                query.append([name, pick(queryValues)])
            }
            var headers: [[String]] = []
            for _ in 0..<Int.random(in: 0...4, using: &random) {
                let name = pick(headerNames)
                if presign != nil && name == "Content-Type" { continue }
                headers.append([Bool.random(using: &random) ? name : name.lowercased(), pick(headerValues)])
            }
            let body = presign == nil ? pick(["", "hello", "{\"json\": true}", String(repeating: "z", count: 300)]) : ""
            let token = Bool.random(using: &random) ? "session/token+with=chars" : nil
            let request = SignableRequest(method: pick(["GET", "PUT", "POST", "DELETE", "HEAD"]), scheme: "http",
                                          host: pick(["examplebucket.s3.amazonaws.com", "127.0.0.1:9000", "glue.eu-west-1.amazonaws.com"]),
                                          path: path)
            cases.append(Case(service: service, method: request.method, host: request.host, path: path,
                              encodedPath: request.encodedPath, query: query, headers: headers, body: body, token: token,
                              presignExpires: presign))
        }
        return cases
    }

    static let script = #"""
        import sys, json, datetime
        from unittest import mock
        import botocore.auth as auth
        from botocore.awsrequest import AWSRequest
        from botocore.credentials import Credentials
        cases = json.load(sys.stdin)
        fixed = datetime.datetime(2024, 3, 7, 12, 34, 56)
        out = []
        with mock.patch.object(auth, "get_current_datetime", return_value=fixed):
            for c in cases:
                creds = Credentials("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", c.get("token"))
                req = AWSRequest(method=c["method"], url="http://" + c["host"] + c["encodedPath"], data=c["body"].encode())
                req.params = [(k, v) for k, v in c["query"]]
                for name, value in c["headers"]:
                    req.headers[name] = value
                req.context["timestamp"] = fixed.strftime("%Y%m%dT%H%M%SZ")
                s3 = c["service"] == "s3"
                if c.get("presignExpires") is not None:
                    cls = auth.S3SigV4QueryAuth if s3 else auth.SigV4QueryAuth
                    signer = cls(creds, c["service"], "eu-west-1", expires=c["presignExpires"])
                    signer._modify_request_before_signing(req)
                    canonical = signer.canonical_request(req)
                    sts = signer.string_to_sign(req, canonical)
                    out.append({"canonical": canonical, "signature": signer.signature(sts, req)})
                else:
                    cls = auth.S3SigV4Auth if s3 else auth.SigV4Auth
                    signer = cls(creds, c["service"], "eu-west-1")
                    signer._modify_request_before_signing(req)
                    canonical = signer.canonical_request(req)
                    sts = signer.string_to_sign(req, canonical)
                    out.append({"canonical": canonical, "signature": signer.signature(sts, req)})
        print(json.dumps(out))
        """#

    @Test("canonical requests and signatures match botocore byte for byte", arguments: [UInt64(1), 2, 3])
    func differential(seed: UInt64) throws {
        let cases = Self.generate(seed: seed, count: 150)
        let input = try JSONEncoder().encode(cases)
        let output = try Interop.run(Self.script, input: [UInt8](input))
        let expected = try JSONDecoder().decode([[String: String]].self, from: Data(output))
        #expect(expected.count == cases.count)
        let date = Date(timeIntervalSince1970: 1_709_814_896)  // 2024-03-07T12:34:56Z
        for (index, item) in cases.enumerated() {
            let credentials = AWSCredentials(accessKeyID: "AKIDEXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
                                             sessionToken: item.token)
            let signer = SigV4Signer(credentials: credentials, region: "eu-west-1", service: item.service)
            var request = SignableRequest(method: item.method, scheme: "http", host: item.host, path: item.path,
                                          query: item.query.map { QueryItem($0[0], $0[1]) },
                                          headers: item.headers.map { HeaderField($0[0], $0[1]) })
            let signature: SigV4Signer.Signature
            if let expires = item.presignExpires {
                signature = try signer.presignedURL(request, expires: expires, date: date).signature
            } else {
                signature = signer.sign(&request, payload: .bytes(Array(item.body.utf8)), date: date)
            }
            #expect(signature.canonicalRequest == expected[index]["canonical"], "case \(index) seed \(seed): \(item)")
            #expect(signature.signature == expected[index]["signature"], "case \(index) seed \(seed)")
        }
    }
}
