extension Array where Element == UInt8 {
    /// `withUnsafeBytes` that keeps the typed error (the standard library's version is `rethrows`,
    /// which erases it to `any Error`).
    @inlinable
    func withBytes<R>(_ body: (UnsafeRawBufferPointer) throws(CodecError) -> R) throws(CodecError) -> R {
        let result: Result<R, CodecError> = withUnsafeBytes { raw in
            Result { () throws(CodecError) -> R in try body(raw) }
        }
        return try result.get()
    }
}
