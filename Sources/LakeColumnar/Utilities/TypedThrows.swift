extension Array where Element == UInt8 {
    /// Like `withUnsafeBytes`, but keeps the closure's typed error (the standard library's
    /// version is `rethrows`, which widens it to `any Error`).
    @inlinable
    public func withUnsafeBytesTyped<R, E: Error>(_ body: (UnsafeRawBufferPointer) throws(E) -> R) throws(E) -> R {
        let result: Result<R, E> = withUnsafeBytes { raw in
            Result { () throws(E) -> R in try body(raw) }
        }
        return try result.get()
    }
}
