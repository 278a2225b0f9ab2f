import ParquetWriter
import Testing

/// Found by the thrift fuzz target (Scripts/fuzz.sh thrift): Thrift lists and maps nested in one
/// another recursed without the depth limit structs have, so a footer of a few hundred KB of
/// list headers overflowed the stack and crashed any command reading the file.
@Suite("Thrift compact nesting limits")
struct ThriftNestingTests {
    /// Field 1 of type list (0x19), whose one element is a list (header 0x19), and so on.
    static func nestedLists(_ depth: Int) -> [UInt8] { [UInt8](repeating: 0x19, count: depth + 1) }

    @Test("lists of lists 200,000 deep and maps of maps in a footer are a corrupt-metadata error, not a stack overflow")
    func deepContainers() {
        for bytes in [Self.nestedLists(200_000),
                      // Field 1 of type map (0x1B), one entry (count 1, key and value types map),
                      // an empty key map, a value map that again holds one entry, …
                      [0x1B] + Array([[UInt8]](repeating: [0x01, 0xBB, 0x00], count: 100_000).joined())] {
            #expect(throws: ParquetReadError.self) { try ParquetFooter.decode(bytes) }
            do {
                _ = try ParquetFooter.decode(bytes)
            } catch {
                #expect("\(error)".contains("nested too deeply"), "\(error)")
            }
        }
    }

    @Test("containers nested within the limit still decode as far as the footer goes")
    func shallowContainers() {
        // Ten nested lists, the innermost empty (header 0x09: no elements of type list), then
        // STOP: the struct reads, and the footer then lacks its schema.
        let bytes = Self.nestedLists(9) + [0x09, 0x00]
        do {
            _ = try ParquetFooter.decode(bytes)
            Issue.record("a footer with no schema decoded")
        } catch {
            #expect(!"\(error)".contains("nested too deeply"), "\(error)")
        }
    }
}
