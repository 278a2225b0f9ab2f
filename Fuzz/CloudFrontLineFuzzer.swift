import CloudFrontLogs

// libFuzzer target: the CloudFront reader must never trap on any input, in any format and
// policy, and its accounting must hold: accepted + rejected == data lines.
// Build and run with Scripts/fuzz.sh cloudfront.

@_cdecl("LLVMFuzzerTestOneInput")
public func cloudFrontFuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard size > 0 else { return 0 }
    let selector = data[0]
    var bytes = Array(UnsafeBufferPointer(start: data + 1, count: size - 1))
    if selector & 0x40 != 0 {
        // A usable header first: the input is then a log whatever follows, so its lines are
        // rejects rather than a notALog error, and the reject paths stay reachable.
        bytes = Array("#Fields: date time sc-status cs-uri-stem cs(User-Agent)\n".utf8) + bytes
    }
    let format: CloudFrontLogFormat
    switch selector % 4 {
    case 0: format = .standardTab
    case 1: format = .realtime(fields: RealtimeFieldNames.canonical)
    case 2: format = .plain(fields: ["date", "time", "sc-status", "cs-uri-stem", "x-unknown"], delimiter: UInt8(ascii: ","))
    default: format = .jsonLines
    }
    let policy: MalformedLinePolicy = selector & 4 == 0 ? .reject : .nullFill
    let options = CloudFrontParserOptions(format: format, policy: policy, batchSize: 7,
                                          decodedFields: [(.userAgent, .twice), (.uriStem, .once)],
                                          maximumLineLength: 1024)
    // Small windows (16 bytes to 2 KiB) so that refills, growth and lines across windows are hit.
    let window = 16 << Int((selector >> 3) & 7)
    let reader = CloudFrontLogReader(bytes: bytes, name: "E1.2024-01-01-00.x.gz", options: options, windowSize: window)
    var rows = 0
    var rejects = 0
    do {
        while let next = try reader.next() {
            rows += next.batch.rowCount
            rejects += next.rejects.count
        }
    } catch {
        return 0  // unreadable input (e.g. corrupt gzip) or input that is not a log is a typed error
    }
    let s = reader.statistics
    guard s.acceptedRows + s.rejectedLines == s.dataLines, s.acceptedRows == rows, s.rejectedLines == rejects else {
        fatalError("accounting broken: \(s)")
    }
    return 0
}
