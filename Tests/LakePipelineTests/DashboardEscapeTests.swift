@testable import LakePipeline
import Testing

/// The dashboard puts log-derived text (paths, user agents, labels) into HTML text and attribute
/// values: none of it may close a value or open markup.
@Suite("dashboard HTML escaping")
struct DashboardEscapeTests {
    /// Undoes the five entities the page writes, scalar by scalar: an independent decoder of the
    /// escaped form (a `Character`-wise search would miss `;` joined to a following mark).
    static func unescape(_ html: String) -> String {
        let entities: [String: Unicode.Scalar] = ["lt": "<", "gt": ">", "quot": "\"", "#39": "'", "amp": "&"]
        let scalars = Array(html.unicodeScalars)
        var out = String.UnicodeScalarView()
        var i = 0
        while i < scalars.count {
            if scalars[i] == "&", let end = scalars[i...].firstIndex(of: ";"),
               let decoded = entities[String(String.UnicodeScalarView(scalars[(i + 1)..<end]))] {
                out.append(decoded)
                i = end + 1
            } else {
                out.append(scalars[i])
                i += 1
            }
        }
        return String(out)
    }

    /// A quote followed by a combining mark is one `Character` in Swift but closes an attribute
    /// value for the HTML tokenizer, which reads scalars: escaping by `Character` let it through.
    @Test("markup characters are escaped even when a combining mark follows", arguments: [
        "\"\u{301} onmouseover=alert(1) x=\"", "'\u{6D9}", "<\u{301}script>", "&\u{301}", "/img/a\"b<c>&d'e.png",
    ])
    func combiningMarks(_ text: String) {
        let escaped = DashboardPage.escape(text)
        for scalar in escaped.unicodeScalars {
            #expect(!["<", ">", "\"", "'"].contains(scalar), "bare \(scalar) in \(escaped)")
        }
        #expect(Self.unescape(escaped).unicodeScalars.elementsEqual(text.unicodeScalars))
    }
}
