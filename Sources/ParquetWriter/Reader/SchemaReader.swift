import LakeColumnar

/// How one schema node is read back: the inverse of `Shredder.Node`, with the definition level
/// at which the node is present and, for lists, its repetition level.
indirect enum ReadNode {
    case primitive(leaf: Int, presentAt: Int16)
    case structure(children: [ReadNode], presentAt: Int16, leaves: Range<Int>)
    /// `presentAt`: the list itself is non-null; `elementsAt`: it has at least one element.
    case list(element: ReadNode, presentAt: Int16, elementsAt: Int16, repetition: Int16, leaves: Range<Int>)
    case map(key: ReadNode, value: ReadNode, presentAt: Int16, elementsAt: Int16, repetition: Int16, leaves: Range<Int>)

    var leaves: Range<Int> {
        switch self {
        case let .primitive(leaf, _): return leaf..<(leaf + 1)
        case let .structure(_, _, l), let .list(_, _, _, _, l), let .map(_, _, _, _, _, l): return l
        }
    }

    var presentAt: Int16 {
        switch self {
        case let .primitive(_, p), let .structure(_, p, _), let .list(_, p, _, _, _), let .map(_, _, p, _, _, _): return p
        }
    }
}

/// The columnar view of a Parquet file's schema.
struct ReadSchema {
    var schema: Schema
    var nodes: [ReadNode]
    var leaves: [LeafDescriptor]
    /// Leaf physical details the reader needs beyond LeafDescriptor (INT96, unit conversions).
    var leafConversions: [LeafConversion]

    enum LeafConversion {
        case none
        case int96ToMicros
        case millisToMicros
        case nanosToMicros
        case decimalFromBytes
        case decimalFromInt
        case float16
    }

    private struct Builder {
        let elements: [SchemaElement]
        var index = 1
        var leaves: [LeafDescriptor] = []
        var conversions: [LeafConversion] = []
        var nextID: Int32

        mutating func element() throws(ParquetReadError) -> SchemaElement {
            guard index < elements.count else { throw ParquetReadError(.invalidMetadata("schema ends before its declared children")) }
            defer { index += 1 }
            return elements[index]
        }

        mutating func id(_ e: SchemaElement) -> Int32 {
            if let id = e.fieldID { return id }
            nextID += 1
            return nextID
        }

        /// Reads the node at `index` and its children; returns the field and its read node.
        mutating func node(def parentDef: Int16, rep parentRep: Int16, depth: Int) throws(ParquetReadError) -> (Field, ReadNode) {
            guard depth < 64 else { throw ParquetReadError(.invalidMetadata("schema nested too deeply")) }
            let e = try element()
            let repetition = e.repetition ?? .required
            let def = parentDef + (repetition == .required ? 0 : 1)
            let rep = parentRep + (repetition == .repeated ? 1 : 0)
            if repetition == .repeated {
                // A repeated field outside a LIST/MAP group: a required list of it.
                let (inner, innerNode) = try plainNode(e, def: def, rep: rep, depth: depth)
                let element = Field(name: "element", id: id(SchemaElement(name: "element")), type: inner.type, isNullable: false)
                let field = Field(name: e.name, id: inner.id, type: .list(element), isNullable: false)
                return (field, .list(element: innerNode, presentAt: parentDef, elementsAt: def, repetition: rep,
                                     leaves: innerNode.leaves))
            }
            return try plainNode(e, def: def, rep: rep, depth: depth)
        }

        /// The node for element `e` (already consumed) ignoring its own repetition.
        mutating func plainNode(_ e: SchemaElement, def: Int16, rep: Int16, depth: Int) throws(ParquetReadError) -> (Field, ReadNode) {
            let nullable = e.repetition == .optional
            if e.type != nil {
                let leaf = leaves.count
                let (type, conversion) = try Self.leafType(e)
                let descriptor = LeafDescriptor(path: [], fieldID: e.fieldID, physicalType: e.type!, typeLength: e.typeLength.map(Int.init),
                                                logicalType: e.logicalType, maxDefinitionLevel: def, maxRepetitionLevel: rep,
                                                dataType: type)
                leaves.append(descriptor)
                conversions.append(conversion)
                return (Field(name: e.name, id: id(e), type: type, isNullable: nullable), .primitive(leaf: leaf, presentAt: def))
            }
            let children = Int(e.numChildren ?? 0)
            guard children >= 0, children <= elements.count - index else {
                throw ParquetReadError(.invalidMetadata("group '\(e.name)' declares \(children) children"))
            }
            let firstLeaf = leaves.count
            let isList = e.logicalType == .list || e.convertedType == .list
            let isMap = e.logicalType == .map || e.convertedType == .map || e.convertedType == .mapKeyValue
            if (isList || isMap) && children == 1 {
                let inner = try element()
                guard inner.repetition == .repeated else {
                    throw ParquetReadError(.invalidMetadata("\(isList ? "LIST" : "MAP") group '\(e.name)' without a repeated child"))
                }
                let innerDef = def + 1, innerRep = rep + 1
                if isMap, inner.type == nil, (inner.numChildren ?? 0) == 2 || (inner.numChildren ?? 0) == 1 {
                    let (keyField, keyNode) = try node(def: innerDef, rep: innerRep, depth: depth + 1)
                    var valueField = Field(name: "value", id: id(SchemaElement(name: "value")), type: .int32)
                    var valueNode = ReadNode.primitive(leaf: -1, presentAt: innerDef)
                    if (inner.numChildren ?? 0) == 2 {
                        (valueField, valueNode) = try node(def: innerDef, rep: innerRep, depth: depth + 1)
                    } else {
                        throw ParquetReadError(.unsupported("map '\(e.name)' without values"))
                    }
                    var key = keyField
                    key.isNullable = false
                    let field = Field(name: e.name, id: id(e), type: .map(key: key, value: valueField), isNullable: nullable)
                    return (field, .map(key: keyNode, value: valueNode, presentAt: def, elementsAt: innerDef, repetition: innerRep,
                                        leaves: firstLeaf..<leaves.count))
                }
                // LIST: three-level unless the repeated child is itself the element (legacy two-level).
                let elementField: Field, elementNode: ReadNode
                let innerChildren = Int(inner.numChildren ?? 0)
                if inner.type == nil && innerChildren == 1 && inner.name != "array" && inner.name != e.name + "_tuple" {
                    (elementField, elementNode) = try node(def: innerDef, rep: innerRep, depth: depth + 1)
                } else {
                    var (f, n) = try plainNode(inner, def: innerDef, rep: innerRep, depth: depth + 1)
                    f.isNullable = false
                    (elementField, elementNode) = (f, n)
                }
                let field = Field(name: e.name, id: id(e), type: .list(elementField), isNullable: nullable)
                return (field, .list(element: elementNode, presentAt: def, elementsAt: innerDef, repetition: innerRep,
                                     leaves: firstLeaf..<leaves.count))
            }
            var fields: [Field] = []
            var nodes: [ReadNode] = []
            for _ in 0..<children {
                let (f, n) = try node(def: def, rep: rep, depth: depth + 1)
                fields.append(f)
                nodes.append(n)
            }
            return (Field(name: e.name, id: id(e), type: .structure(fields), isNullable: nullable),
                    .structure(children: nodes, presentAt: def, leaves: firstLeaf..<leaves.count))
        }

        static func leafType(_ e: SchemaElement) throws(ParquetReadError) -> (DataType, LeafConversion) {
            guard let physical = e.type else { throw ParquetReadError(.invalidMetadata("leaf '\(e.name)' without a type")) }
            let decimal: (Int, Int)? = {
                if case let .decimal(scale, precision)? = e.logicalType { return (Int(precision), Int(scale)) }
                if e.convertedType == .decimal, let p = e.precision { return (Int(p), Int(e.scale ?? 0)) }
                return nil
            }()
            if let (precision, scale) = decimal {
                guard precision >= 1, precision <= 38, scale >= 0, scale <= precision else {
                    throw ParquetReadError(.unsupported("decimal(\(precision), \(scale)) on '\(e.name)'"))
                }
                switch physical {
                case .int32, .int64: return (.decimal(precision: precision, scale: scale), .decimalFromInt)
                case .byteArray, .fixedLenByteArray: return (.decimal(precision: precision, scale: scale), .decimalFromBytes)
                default: throw ParquetReadError(.unsupported("decimal on \(physical)"))
                }
            }
            switch physical {
            case .boolean: return (.boolean, .none)
            case .int32:
                if e.logicalType == .date || e.convertedType == .date { return (.date32, .none) }
                return (.int32, .none)
            case .int64:
                if case let .timestamp(utc, unit)? = e.logicalType {
                    switch unit {
                    case .micros: return (.timestampMicroseconds(utc: utc), .none)
                    case .millis: return (.timestampMicroseconds(utc: utc), .millisToMicros)
                    case .nanos: return (.timestampMicroseconds(utc: utc), .nanosToMicros)
                    }
                }
                if e.convertedType == .timestampMicros { return (.timestampMicroseconds(utc: true), .none) }
                if e.convertedType == .timestampMillis { return (.timestampMicroseconds(utc: true), .millisToMicros) }
                return (.int64, .none)
            case .int96: return (.timestampMicroseconds(utc: false), .int96ToMicros)
            case .float: return (.float32, .none)
            case .double: return (.float64, .none)
            case .byteArray:
                switch e.logicalType {
                case .string?, .json?, .enumeration?: return (.string, .none)
                default: return (e.convertedType == .utf8 || e.convertedType == .json || e.convertedType == .enumeration ? .string : .binary, .none)
                }
            case .fixedLenByteArray:
                guard let width = e.typeLength, width > 0 else { throw ParquetReadError(.invalidMetadata("FIXED_LEN_BYTE_ARRAY '\(e.name)' without a length")) }
                if e.logicalType == .float16 { return (.float32, .float16) }
                return (.fixedSizeBinary(byteWidth: Int(width)), .none)
            }
        }
    }

    init(_ metadata: FileMetaData) throws(ParquetReadError) {
        let root = metadata.schema[0]
        let maxID = metadata.schema.compactMap(\.fieldID).max() ?? 0
        var builder = Builder(elements: metadata.schema, nextID: max(maxID, 0))
        var fields: [Field] = []
        var nodes: [ReadNode] = []
        for _ in 0..<Int(max(0, root.numChildren ?? 0)) {
            let (f, n) = try builder.node(def: 0, rep: 0, depth: 0)
            fields.append(f)
            nodes.append(n)
        }
        do {
            schema = try Schema(fields: fields, metadata: metadata.keyValueMetadata)
        } catch {
            throw ParquetReadError(.invalidMetadata("\(error)"))
        }
        self.nodes = nodes
        leaves = builder.leaves
        leafConversions = builder.conversions
        // Paths from the footer's column chunks (they are authoritative for leaf names).
        if let first = metadata.rowGroups.first, first.columns.count == leaves.count {
            for (i, c) in first.columns.enumerated() { leaves[i].path = c.metaData.pathInSchema }
        }
    }
}
