@testable import LakeAWS
import Testing

/// Request bodies (DeleteObjects keys, CompleteMultipartUpload) escape their text for XML: what an
/// XML reader gets back must be the text, whatever follows a markup character.
@Suite("XML escaping")
struct XMLEscapeTests {
    /// A markup character followed by a combining mark is one `Character` in Swift but two
    /// scalars to an XML parser: escaping by `Character` let `<`, `&` and `"` through bare.
    @Test("markup characters are escaped even when a combining mark follows", arguments: [
        "<\u{301}", "&\u{301}amp;", "\"\u{301}", "'\u{6D9}", ">\u{301}", "a<b&c\"d'e>f",
        "key/with spaces/é/🙂/<\u{301}x&\u{6D9}y",
    ])
    func combiningMarks(_ text: String) throws {
        let escaped = xmlEscape(text)
        for scalar in escaped.unicodeScalars {
            #expect(!["<", ">", "\"", "'"].contains(scalar), "bare \(scalar) in \(escaped)")
        }
        let node = try #require(XMLNode.parse(Array("<Key>\(escaped)</Key>".utf8)))
        #expect(node.text.unicodeScalars.elementsEqual(text.unicodeScalars), "\(node.text) != \(text)")
    }
}
