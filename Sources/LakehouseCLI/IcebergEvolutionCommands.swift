import ArgumentParser
import IcebergKit
import ParquetWriter

/// What `iceberg create` makes of `--schema-from`, `--partition`, `--sort` and `--property`.
struct TableDefinitionOptions: ParsableArguments {
    @Option(help: "Take the schema from this Parquet file's columns (fresh field ids; every column as the file has it).")
    var schemaFrom: String?
    @Option(help: ArgumentHelp("A partition field: day(col), hour(col), month(col), year(col), bucket(n, col), truncate(w, col) or col (identity); repeatable.",
                               valueName: "term"))
    var partition: [String] = []
    @Option(parsing: .upToNextOption, help: ArgumentHelp("Sort by: terms, each optionally followed by ASC or DESC (and NULLS FIRST / NULLS LAST).",
                                                         valueName: "col [ASC|DESC]"))
    var sort: [String] = []
    @Option(help: ArgumentHelp("A table property; repeatable.", valueName: "key=value")) var property: [String] = []

    var isEmpty: Bool { schemaFrom == nil && partition.isEmpty && sort.isEmpty && property.isEmpty }

    /// The table these options describe; nil schema: the caller's default.
    func definition(defaultSchema: IcebergSchema, defaultSpec: PartitionSpec) throws -> TableDefinition {
        var schema = defaultSchema
        var spec = defaultSpec
        if let schemaFrom {
            let reader = try ParquetReader(path: schemaFrom)
            schema = IcebergSchema(freshIDsFrom: reader.schema.fields)
            spec = .unpartitioned
        }
        if !partition.isEmpty {
            var builder = PartitionSpec.builder(schema)
            for term in partition {
                let (column, transform) = try Transform.parseTerm(term)
                builder = builder.add(column, transform)
            }
            spec = try builder.build()
        }
        let order = try SortTerms.order(sort, schema: schema)
        return TableDefinition(schema: schema, spec: spec, sortOrder: order, properties: try PropertiesCommand.pairs(property))
    }
}

/// Sort terms as the CLI takes them: `col`, `day(ts)`, each optionally followed by `ASC`/`DESC`
/// and `NULLS FIRST`/`NULLS LAST`.
enum SortTerms {
    static func fields(_ words: [String], schema: IcebergSchema) throws -> [SortOrder.SortField] {
        var fields: [SortOrder.SortField] = []
        var i = 0
        while i < words.count {
            let (column, transform) = try Transform.parseTerm(words[i])
            i += 1
            var ascending = true
            if i < words.count, ["ASC", "DESC"].contains(words[i].uppercased()) {
                ascending = words[i].uppercased() == "ASC"
                i += 1
            }
            var nullsFirst = ascending
            if i + 1 < words.count, words[i].uppercased() == "NULLS", ["FIRST", "LAST"].contains(words[i + 1].uppercased()) {
                nullsFirst = words[i + 1].uppercased() == "FIRST"
                i += 2
            }
            guard let field = schema.field(named: column) else { throw IcebergError(.notFound("column '\(column)'")) }
            guard field.type.isPrimitive, transform.canTransform(field.type), transform != .void else {
                throw IcebergError(.validationFailed("cannot sort by \(transform) of '\(column)', a \(field.type)"))
            }
            fields.append(SortOrder.SortField(sourceID: field.id, transform: transform, ascending: ascending, nullsFirst: nullsFirst))
        }
        return fields
    }

    static func order(_ words: [String], schema: IcebergSchema) throws -> SortOrder {
        let fields = try fields(words, schema: schema)
        return fields.isEmpty ? .unsorted : SortOrder(orderID: 1, fields: fields)
    }
}

struct PropertiesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "properties", abstract: "Set or unset table properties (prints them all after).",
        discussion: "iceberg properties NS.T set k=v ... | unset k ... | (nothing: print them)")
    @OptionGroup var options: CatalogOptions
    @Argument(help: "namespace.table") var table: String
    @Argument(help: "set or unset") var action: String?
    @Argument(help: "key=value pairs (set) or keys (unset)") var items: [String] = []

    static func pairs(_ items: [String]) throws -> [String: String] {
        var out: [String: String] = [:]
        for item in items {
            guard let eq = item.firstIndex(of: "="), eq != item.startIndex else {
                throw ValidationError("'\(item)' is not key=value")
            }
            out[String(item[..<eq])] = String(item[item.index(after: eq)...])
        }
        return out
    }

    func run() async throws {
        var t = try await options.open().loadTable(try TableIdentifier(parsing: table))
        switch action {
        case nil: break
        case "set"?:
            guard !items.isEmpty else { throw ValidationError("set needs key=value pairs") }
            t = try await t.setProperties(try Self.pairs(items))
        case "unset"?:
            guard !items.isEmpty else { throw ValidationError("unset needs keys") }
            t = try await t.commit(requirements: [.assertTableUUID(t.metadata.tableUUID)], updates: [.removeProperties(items)])
        case let other?:
            throw ValidationError("unknown action '\(other)' (set or unset)")
        }
        for (key, value) in t.metadata.properties.sorted(by: { $0.key < $1.key }) { print("\(key)=\(value)") }
    }
}

struct SchemaCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "schema", abstract: "Evolve a table's schema (prints the resulting schema).",
        discussion: """
            iceberg schema NS.T add NAME TYPE | drop NAME | rename OLD NEW | promote NAME TYPE | make-optional NAME
            Nested columns by dotted name (point.z); types as Iceberg writes them (int, long, decimal(12,2), struct<a: int>, list<string>, map<string, long>).
            """)
    @OptionGroup var options: CatalogOptions
    @Argument(help: "namespace.table") var table: String
    @Argument(help: "add, drop, rename, promote or make-optional (nothing: print the schema)") var action: String?
    @Argument(help: "the action's arguments") var arguments: [String] = []

    func run() async throws {
        var t = try await options.open().loadTable(try TableIdentifier(parsing: table))
        if let action {
            var update = t.updateSchema()
            func need(_ n: Int, _ usage: String) throws {
                guard arguments.count == n else { throw ValidationError("usage: iceberg schema NS.T \(usage)") }
            }
            switch action {
            case "add":
                try need(2, "add NAME TYPE")
                try update.addColumn(arguments[0], try IcebergType(parsing: arguments[1]))
            case "drop":
                try need(1, "drop NAME")
                try update.deleteColumn(arguments[0])
            case "rename":
                try need(2, "rename OLD NEW")
                try update.renameColumn(arguments[0], to: String(arguments[1].split(separator: ".").last ?? ""))
            case "promote":
                try need(2, "promote NAME TYPE")
                try update.updateColumn(arguments[0], to: try IcebergType(parsing: arguments[1]))
            case "make-optional":
                try need(1, "make-optional NAME")
                try update.makeColumnOptional(arguments[0])
            default:
                throw ValidationError("unknown action '\(action)' (add, drop, rename, promote, make-optional)")
            }
            t = try await update.commit()
        }
        print(t.schema.outline)
    }
}

struct PartitionCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "partition", abstract: "Evolve a table's partition spec (prints the resulting spec).",
        discussion: "iceberg partition NS.T add 'hour(ts)' | remove NAME | rename OLD NEW | replace 'hour(ts)' 'day(ts)'")
    @OptionGroup var options: CatalogOptions
    @Argument(help: "namespace.table") var table: String
    @Argument(help: "add, remove, rename or replace (nothing: print the spec)") var action: String?
    @Argument(help: "the action's arguments") var arguments: [String] = []

    func run() async throws {
        var t = try await options.open().loadTable(try TableIdentifier(parsing: table))
        if let action {
            var update = t.updateSpec()
            func need(_ n: Int, _ usage: String) throws {
                guard arguments.count == n else { throw ValidationError("usage: iceberg partition NS.T \(usage)") }
            }
            switch action {
            case "add":
                try need(1, "add TERM")
                try update.addField(term: arguments[0])
            case "remove":
                try need(1, "remove NAME|TERM")
                try update.removeField(term: arguments[0])
            case "rename":
                try need(2, "rename OLD NEW")
                try update.renameField(arguments[0], to: arguments[1])
            case "replace":
                try need(2, "replace OLD-TERM NEW-TERM")
                try update.replaceField(term: arguments[0], with: arguments[1])
            default:
                throw ValidationError("unknown action '\(action)' (add, remove, rename, replace)")
            }
            t = try await update.commit()
        }
        print(t.spec.outline(t.schema))
    }
}

struct SortCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sort", abstract: "Set a table's sort order (prints the resulting order); the table writer sorts new files by it.",
        discussion: "iceberg sort NS.T COL [ASC|DESC] [NULLS FIRST|LAST] ...  (a term such as day(ts) in place of COL)")
    @OptionGroup var options: CatalogOptions
    @Argument(help: "namespace.table") var table: String
    @Argument(help: "columns or terms, each optionally followed by ASC/DESC and NULLS FIRST/LAST (nothing: print the order)")
    var terms: [String] = []

    func run() async throws {
        var t = try await options.open().loadTable(try TableIdentifier(parsing: table))
        if !terms.isEmpty {
            var order = t.replaceSortOrder()
            for f in try SortTerms.fields(terms, schema: t.schema) {
                guard let name = t.schema.name(of: f.sourceID) else { continue }
                try order.add(name, f.transform, ascending: f.ascending, nullsFirst: f.nullsFirst)
            }
            t = try await order.commit()
        }
        print(t.sortOrder.outline(t.schema))
    }
}
