import IcebergKit
import LakeColumnar
import LakeTestSupport
import Testing

@Suite("Iceberg schemas from columnar schemas")
struct SchemaConversionTests {
    static let primitives: [IcebergType] = [
        .boolean, .int, .long, .float, .double, .date, .time, .timestamp, .timestamptz, .timestampNs, .timestamptzNs,
        .string, .uuid, .binary, .fixed(3), .fixed(16), .decimal(precision: 9, scale: 2), .decimal(precision: 38, scale: 0),
    ]

    /// A random type: a primitive, or a struct, list or map of random types (ids from `next`).
    static func randomType(_ rng: inout SeededRandom, depth: Int, next: inout Int32) -> IcebergType {
        let pick = depth > 2 ? 0 : Int.random(in: 0...5, using: &rng)
        func id() -> Int32 { next += 1; return next }
        switch pick {
        case 3:
            return .structure((0..<Int.random(in: 1...3, using: &rng)).map { k in
                NestedField(id: id(), name: "f\(k)", required: Bool.random(using: &rng),
                            type: randomType(&rng, depth: depth + 1, next: &next))
            })
        case 4:
            return .list(elementID: id(), elementRequired: Bool.random(using: &rng), element: randomType(&rng, depth: depth + 1, next: &next))
        case 5:
            let keyID = id(), valueID = id()
            return .map(keyID: keyID, key: primitives.randomElement(using: &rng)!, valueID: valueID,
                        valueRequired: Bool.random(using: &rng), value: randomType(&rng, depth: depth + 1, next: &next))
        default:
            return primitives.randomElement(using: &rng)!
        }
    }

    @Test("every Iceberg type survives the trip to columnar and back (random nested schemas)")
    func roundTrip() throws {
        var rng = SeededRandom(seed: 41)
        for _ in 0..<300 {
            var next: Int32 = 100
            let fields = (0..<Int.random(in: 1...6, using: &rng)).map { k in
                NestedField(id: Int32(k + 1), name: "c\(k)", required: Bool.random(using: &rng),
                            type: Self.randomType(&rng, depth: 0, next: &next))
            }
            let schema = IcebergSchema(schemaID: 3, fields: fields)
            let back = IcebergSchema(columnar: try schema.columnarSchema(), schemaID: 3)
            #expect(back == schema)
        }
        for type in Self.primitives {
            #expect(IcebergType(columnar: type.columnarType, metadata: NestedField(id: 1, name: "x", required: false, type: type).columnarField.metadata) == type)
        }
    }

    @Test("parser types: dictionary text is string; plain fixed-size bytes are fixed, not uuid")
    func parserTypes() {
        #expect(IcebergType(columnar: .dictionaryString) == .string)
        #expect(IcebergType(columnar: .fixedSizeBinary(byteWidth: 16)) == .fixed(16))
        #expect(IcebergType(columnar: .int64) == .long)
        let field = NestedField(columnar: Field(name: "edge", id: 7, type: .dictionaryString, isNullable: false))
        #expect(field == NestedField(id: 7, name: "edge", required: true, type: .string))
    }
}
