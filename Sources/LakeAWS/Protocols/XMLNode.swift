/// A minimal XML tree for AWS responses: elements, text and the five entities plus numeric
/// references. Attributes, comments, processing instructions and namespaces are skipped; CDATA
/// is kept as text.
public struct XMLNode: Sendable, Hashable {
    public var name: String
    public var children: [XMLNode]
    public var text: String

    /// The first child element named `name`.
    public func child(_ name: String) -> XMLNode? { children.first { $0.name == name } }

    /// Every child element named `name`.
    public func all(_ name: String) -> [XMLNode] { children.filter { $0.name == name } }

    /// The text of the first child named `name`.
    public func value(_ name: String) -> String? { child(name)?.text }

    /// Parses a document; `nil` when it is not well-formed enough to read.
    public static func parse(_ bytes: [UInt8]) -> XMLNode? {
        var parser = Parser(bytes: bytes)
        return parser.document()
    }

    private struct Parser {
        let bytes: [UInt8]
        var index = 0

        mutating func skip(until terminator: [UInt8]) -> Bool {
            while index + terminator.count <= bytes.count {
                if Array(bytes[index..<index + terminator.count]) == terminator {
                    index += terminator.count
                    return true
                }
                index += 1
            }
            return false
        }

        mutating func skipMisc() -> Bool {
            while true {
                while index < bytes.count, bytes[index] != UInt8(ascii: "<") {
                    index += 1
                }
                guard index + 1 < bytes.count else { return false }
                if bytes[index + 1] == UInt8(ascii: "?") {
                    guard skip(until: Array("?>".utf8)) else { return false }
                } else if bytes[index + 1] == UInt8(ascii: "!") {
                    guard skip(until: Array(">".utf8)) else { return false }
                } else {
                    return true
                }
            }
        }

        mutating func document() -> XMLNode? {
            guard skipMisc() else { return nil }
            return element(depth: 0)
        }

        mutating func name() -> String {
            let start = index
            while index < bytes.count {
                let byte = bytes[index]
                if byte == UInt8(ascii: " ") || byte == UInt8(ascii: ">") || byte == UInt8(ascii: "/") || byte == 0x0A
                    || byte == 0x09 || byte == 0x0D { break }
                index += 1
            }
            let full = String(decoding: bytes[start..<index], as: UTF8.self)
            // Drop a namespace prefix.
            if let colon = full.lastIndex(of: ":") { return String(full[full.index(after: colon)...]) }
            return full
        }

        mutating func element(depth: Int) -> XMLNode? {
            guard depth < 64, index < bytes.count, bytes[index] == UInt8(ascii: "<") else { return nil }
            index += 1
            let elementName = name()
            // Skip attributes, honouring quotes.
            var quote: UInt8?
            while index < bytes.count {
                let byte = bytes[index]
                if let open = quote {
                    if byte == open { quote = nil }
                } else if byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "'") {
                    quote = byte
                } else if byte == UInt8(ascii: ">") {
                    break
                }
                index += 1
            }
            guard index < bytes.count else { return nil }
            if bytes[index - 1] == UInt8(ascii: "/") {
                index += 1
                return XMLNode(name: elementName, children: [], text: "")
            }
            index += 1
            var node = XMLNode(name: elementName, children: [], text: "")
            var text: [UInt8] = []
            while index < bytes.count {
                if bytes[index] == UInt8(ascii: "<") {
                    if index + 1 < bytes.count, bytes[index + 1] == UInt8(ascii: "/") {
                        guard skip(until: Array(">".utf8)) else { return nil }
                        node.text = Self.unescape(text)
                        return node
                    }
                    if index + 8 < bytes.count, Array(bytes[index..<index + 9]) == Array("<![CDATA[".utf8) {
                        index += 9
                        let start = index
                        guard skip(until: Array("]]>".utf8)) else { return nil }
                        text += Array(bytes[start..<index - 3]).map { $0 == UInt8(ascii: "&") ? 0xFF : $0 }
                        continue
                    }
                    if index + 1 < bytes.count, bytes[index + 1] == UInt8(ascii: "!") || bytes[index + 1] == UInt8(ascii: "?") {
                        guard skip(until: Array(">".utf8)) else { return nil }
                        continue
                    }
                    guard let child = element(depth: depth + 1) else { return nil }
                    node.children.append(child)
                } else {
                    text.append(bytes[index])
                    index += 1
                }
            }
            return nil
        }

        /// Entities and numeric references; 0xFF marks a literal `&` from CDATA.
        static func unescape(_ bytes: [UInt8]) -> String {
            var out: [UInt8] = []
            var index = 0
            while index < bytes.count {
                let byte = bytes[index]
                if byte == 0xFF {
                    out.append(UInt8(ascii: "&"))
                    index += 1
                    continue
                }
                guard byte == UInt8(ascii: "&"), let end = bytes[index...].firstIndex(of: UInt8(ascii: ";")), end - index < 12 else {
                    out.append(byte)
                    index += 1
                    continue
                }
                let entity = String(decoding: bytes[(index + 1)..<end], as: UTF8.self)
                switch entity {
                case "amp": out.append(UInt8(ascii: "&"))
                case "lt": out.append(UInt8(ascii: "<"))
                case "gt": out.append(UInt8(ascii: ">"))
                case "quot": out.append(UInt8(ascii: "\""))
                case "apos": out.append(UInt8(ascii: "'"))
                default:
                    var scalar: UInt32?
                    if entity.hasPrefix("#x") { scalar = UInt32(entity.dropFirst(2), radix: 16) } else if entity.hasPrefix("#") { scalar = UInt32(entity.dropFirst()) }
                    if let scalar, let unicode = Unicode.Scalar(scalar) {
                        out.append(contentsOf: Array(String(Character(unicode)).utf8))
                    } else {
                        out.append(contentsOf: bytes[index...end])
                    }
                }
                index = end + 1
            }
            return String(decoding: out, as: UTF8.self)
        }
    }
}

/// Escapes text for an XML element body.
func xmlEscape(_ text: String) -> String {
    var out = ""
    // By scalar, as XML parsers read: `<` followed by a combining mark is one `Character` that
    // equals no `<`, and would go out unescaped.
    for scalar in text.unicodeScalars {
        switch scalar {
        case "&": out += "&amp;"
        case "<": out += "&lt;"
        case ">": out += "&gt;"
        case "\"": out += "&quot;"
        case "'": out += "&apos;"
        default: out.unicodeScalars.append(scalar)
        }
    }
    return out
}
