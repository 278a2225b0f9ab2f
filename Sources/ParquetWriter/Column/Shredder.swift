import LakeColumnar

/// Splits columns into leaf levels and values (Dremel shredding) for the column writers.
///
/// Top-level primitive columns go to their writer whole (``ColumnWriter/appendFlat(_:rows:remap:)``);
/// nested columns are walked row by row, entry by entry.
enum Shredder {
    /// A node of one top-level field's tree, with the leaf range below it.
    indirect enum Node {
        case primitive(leaf: Int, optional: Bool)
        case structure(children: [Node], optional: Bool, leaves: Range<Int>)
        /// `repetitionLevel`: the level of this list's repeated group.
        case list(element: Node, optional: Bool, repetitionLevel: Int16, leaves: Range<Int>)
        case map(key: Node, value: Node, optional: Bool, repetitionLevel: Int16, leaves: Range<Int>)

        var leaves: Range<Int> {
            switch self {
            case let .primitive(leaf, _): return leaf..<(leaf + 1)
            case let .structure(_, _, leaves), let .list(_, _, _, leaves), let .map(_, _, _, _, leaves): return leaves
            }
        }

        var optional: Bool {
            switch self {
            case let .primitive(_, o), let .structure(_, o, _), let .list(_, o, _, _), let .map(_, _, o, _, _): return o
            }
        }
    }

    static func node(for field: Field, nextLeaf: inout Int, rep: Int16) -> Node {
        let first = nextLeaf
        switch field.type {
        case let .structure(children):
            let nodes = children.map { node(for: $0, nextLeaf: &nextLeaf, rep: rep) }
            return .structure(children: nodes, optional: field.isNullable, leaves: first..<nextLeaf)
        case let .list(element):
            let e = node(for: element, nextLeaf: &nextLeaf, rep: rep + 1)
            return .list(element: e, optional: field.isNullable, repetitionLevel: rep + 1, leaves: first..<nextLeaf)
        case let .map(key, value):
            var k = node(for: key, nextLeaf: &nextLeaf, rep: rep + 1)
            if case let .primitive(leaf, _) = k { k = .primitive(leaf: leaf, optional: false) }
            let v = node(for: value, nextLeaf: &nextLeaf, rep: rep + 1)
            return .map(key: k, value: v, optional: field.isNullable, repetitionLevel: rep + 1, leaves: first..<nextLeaf)
        default:
            nextLeaf += 1
            return .primitive(leaf: first, optional: field.isNullable)
        }
    }

    /// Writes rows `rows` of `column` (a top-level field shaped as `node`) to the leaves' writers.
    /// `remap`: for a flat dictionary column, its dictionary mapped onto the chunk's.
    static func write(_ column: Column, rows: Range<Int>, node: Node, writers: [ColumnWriter],
                      remap: DictionaryRemap?) throws(ParquetError) {
        if case let .primitive(leaf, _) = node {
            try writers[leaf].appendFlat(column, rows: rows, remap: remap)
            return
        }
        for row in rows {
            visit(column, node, row, rep: 0, parentDef: 0, writers: writers)
            // Pages end at row boundaries: each leaf may close its page after a whole row.
            for leaf in node.leaves { try writers[leaf].endRows() }
        }
    }

    static func emitNull(_ range: Range<Int>, rep: Int16, def: Int16, writers: [ColumnWriter]) {
        for i in range { writers[i].appendLevels(repetition: rep, definition: def) }
    }

    static func visit(_ column: Column, _ node: Node, _ index: Int, rep: Int16, parentDef: Int16, writers: [ColumnWriter]) {
        guard column.isValid(index) else {
            emitNull(node.leaves, rep: rep, def: parentDef, writers: writers)
            return
        }
        let def = parentDef + (node.optional ? 1 : 0)
        switch (node, column) {
        case let (.primitive(leaf, _), _):
            writers[leaf].appendLevels(repetition: rep, definition: def)
            writers[leaf].appendValue(column, index)
        case let (.structure(children, _, _), .structure(s)):
            for (child, childColumn) in zip(children, s.children) {
                visit(childColumn, child, index, rep: rep, parentDef: def, writers: writers)
            }
        case let (.list(element, _, level, leafRange), .list(l)):
            let range = l.valueRange(at: index)
            if range.isEmpty {
                emitNull(leafRange, rep: rep, def: def, writers: writers)
            } else {
                for (k, i) in range.enumerated() {
                    visit(l.values, element, i, rep: k == 0 ? rep : level, parentDef: def + 1, writers: writers)
                }
            }
        case let (.map(key, value, _, level, leafRange), .map(m)):
            let range = m.entries.valueRange(at: index)
            if range.isEmpty {
                emitNull(leafRange, rep: rep, def: def, writers: writers)
            } else {
                let keys = m.keys, values = m.values
                for (k, i) in range.enumerated() {
                    let r = k == 0 ? rep : level
                    visit(keys, key, i, rep: r, parentDef: def + 1, writers: writers)
                    visit(values, value, i, rep: r, parentDef: def + 1, writers: writers)
                }
            }
        default:
            preconditionFailure("column storage does not match the schema (validated by RecordBatch)")
        }
    }
}
