import IcebergKit
import Testing

/// Found by the metadata fuzz target (Scripts/fuzz.sh metadata): a `\u` high surrogate followed by
/// a `\u` escape that is not a low surrogate overflowed the code point arithmetic and trapped, so
/// one crafted metadata file (or Avro schema, or catalog response) crashed any reader.
@Suite("JSON surrogate escapes")
struct MetadataJSONSurrogateTests {
    @Test("a high surrogate followed by anything but a low surrogate is an invalid-metadata error, not a trap")
    func brokenPairs() {
        for text in [#"{"oo\udafe\udafel": 1}"#, #"{"a": "\ud800\u0041"}"#, #"{"a": "\udbff\uffff"}"#, #"{"a": "\ud800x"}"#, #"{"a": "\udc00"}"#] {
            do {
                _ = try TableMetadata(jsonText: text, path: "t.metadata.json")
                Issue.record("\(text) parsed")
            } catch {
                guard case .invalidMetadata = error.kind else {
                    Issue.record("\(text): \(error)")
                    continue
                }
                #expect(!"\(error)".contains("format-version"), "\(text) must fail in the JSON text, not after: \(error)")
            }
        }
    }

    @Test("a valid pair still decodes to its code point")
    func validPair() throws {
        // U+1F600 as a surrogate pair, alone and between letters, and a BMP escape.
        let json = try AvroJSON(parsing: #"{"pair": "\ud83d\ude00", "bmp": "\u00e9", "mixed": "a\ud83d\ude00b"}"#)
        #expect(json["pair"]?.stringValue == "\u{1F600}")
        #expect(json["bmp"]?.stringValue == "\u{E9}")
        #expect(json["mixed"]?.stringValue == "a\u{1F600}b")
    }
}
