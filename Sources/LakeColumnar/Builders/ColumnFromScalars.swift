extension Column {
    /// Builds a column of `type` from storage-level scalars (`nil` = null).
    ///
    /// Row-at-a-time and therefore slower than the typed builders; meant for nested data being
    /// reassembled, tests and small inputs.
    public init(scalars: [Scalar?], type: DataType) throws(ColumnarError) {
        func mismatch(_ s: Scalar) -> ColumnarError { ColumnarError(.typeMismatch(expected: type, actual: "\(s)")) }
        switch type.storage {
        case .boolean:
            var b = BooleanColumnBuilder()
            for s in scalars {
                switch s {
                case nil: b.appendNull()
                case let .boolean(v)?: b.append(v)
                case let other?: throw mismatch(other)
                }
            }
            self = .boolean(b.finish())
        case .int32:
            var b = PrimitiveColumnBuilder<Int32>()
            for s in scalars {
                switch s {
                case nil: b.appendNull()
                case let .int32(v)?: b.append(v)
                case let other?: throw mismatch(other)
                }
            }
            self = .int32(b.finish())
        case .int64:
            var b = PrimitiveColumnBuilder<Int64>()
            for s in scalars {
                switch s {
                case nil: b.appendNull()
                case let .int64(v)?: b.append(v)
                case let other?: throw mismatch(other)
                }
            }
            self = .int64(b.finish())
        case .float32:
            var b = PrimitiveColumnBuilder<Float>()
            for s in scalars {
                switch s {
                case nil: b.appendNull()
                case let .float32(v)?: b.append(v)
                case let other?: throw mismatch(other)
                }
            }
            self = .float32(b.finish())
        case .float64:
            var b = PrimitiveColumnBuilder<Double>()
            for s in scalars {
                switch s {
                case nil: b.appendNull()
                case let .float64(v)?: b.append(v)
                case let other?: throw mismatch(other)
                }
            }
            self = .float64(b.finish())
        case .decimal128:
            var b = PrimitiveColumnBuilder<Int128>()
            for s in scalars {
                switch s {
                case nil: b.appendNull()
                case let .decimal128(v)?: b.append(v)
                case let other?: throw mismatch(other)
                }
            }
            self = .decimal128(b.finish())
        case .binary, .dictionary:
            var b = BinaryColumnBuilder()
            var d = DictionaryColumnBuilder()
            let dictionary = type.storage == .dictionary
            for s in scalars {
                switch s {
                case nil: if dictionary { d.appendNull() } else { b.appendNull() }
                case let .binary(v)?:
                    if dictionary { v.withUnsafeBytes { d.append(bytes: $0) } } else { b.append(contentsOf: v) }
                case let other?: throw mismatch(other)
                }
            }
            self = dictionary ? .dictionary(d.finish()) : .binary(b.finish())
        case .fixedSizeBinary:
            guard case let .fixedSizeBinary(width) = type else { throw ColumnarError(.typeMismatch(expected: type, actual: "storage")) }
            var b = FixedSizeBinaryColumnBuilder(byteWidth: width)
            for s in scalars {
                switch s {
                case nil: b.appendNull()
                case let .binary(v)?: try b.append(v)
                case let other?: throw mismatch(other)
                }
            }
            self = .fixedSizeBinary(b.finish())
        case .structure:
            guard case let .structure(fields) = type else { throw ColumnarError(.typeMismatch(expected: type, actual: "storage")) }
            var children: [Column] = []
            for (i, f) in fields.enumerated() {
                var values: [Scalar?] = []
                values.reserveCapacity(scalars.count)
                for s in scalars {
                    switch s {
                    case nil: values.append(nil)
                    case let .structure(items)?: values.append(i < items.count ? items[i] : nil)
                    case let other?: throw mismatch(other)
                    }
                }
                children.append(try Column(scalars: values, type: f.type))
            }
            let validity = scalars.contains { $0 == nil } ? Bitmap(scalars.map { $0 != nil }) : nil
            self = .structure(try StructColumn(children: children, count: scalars.count, validity: validity))
        case .list:
            guard case let .list(element) = type else { throw ColumnarError(.typeMismatch(expected: type, actual: "storage")) }
            var offsets = [0]
            var values: [Scalar?] = []
            for s in scalars {
                switch s {
                case nil: break
                case let .list(items)?: values.append(contentsOf: items)
                case let other?: throw mismatch(other)
                }
                offsets.append(values.count)
            }
            let validity = scalars.contains { $0 == nil } ? Bitmap(scalars.map { $0 != nil }) : nil
            self = .list(try ListColumn(offsets: offsets, values: Column(scalars: values, type: element.type), validity: validity))
        case .map:
            guard case let .map(keyField, valueField) = type else { throw ColumnarError(.typeMismatch(expected: type, actual: "storage")) }
            var offsets = [0]
            var keys: [Scalar?] = [], values: [Scalar?] = []
            for s in scalars {
                switch s {
                case nil: break
                case let .map(entries)?:
                    for e in entries {
                        keys.append(e.key)
                        values.append(e.value)
                    }
                case let other?: throw mismatch(other)
                }
                offsets.append(keys.count)
            }
            let validity = scalars.contains { $0 == nil } ? Bitmap(scalars.map { $0 != nil }) : nil
            self = .map(try MapColumn(offsets: offsets, keys: Column(scalars: keys, type: keyField.type),
                                      values: Column(scalars: values, type: valueField.type), validity: validity))
        }
    }
}
