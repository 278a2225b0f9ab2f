import CLakeInflate
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// The library that inflates gzip input.
///
/// ISA-L's igzip (Intel's Intelligent Storage Acceleration Library) decodes deflate several times
/// faster than zlib on x86-64; it is optional at build and at run time (Debian `libisal-dev` to
/// build, `libisal2` to run), and zlib is used wherever it is missing. Both give byte-identical
/// output and the same ``CodecError/Kind`` for corrupt and truncated input; the messages inside
/// ``CodecError/Kind/corrupt(_:)`` for damaged deflate data and the reported offsets may differ.
/// Only gzip uses ISA-L: zlib-wrapped and raw deflate (Avro blocks, small) stay on zlib.
public enum InflateBackend: String, Sendable, Hashable, CaseIterable {
    /// zlib's inflate and crc32: always available.
    case zlib
    /// ISA-L's igzip inflate (raw deflate and the trailer check), with the gzip headers parsed by
    /// LakeCodecs under zlib's rules.
    case isal

    /// Whether ISA-L was compiled in and `libisal.so.2` could be loaded in this process.
    public static var isalAvailable: Bool { lake_igzip_available() != 0 }

    /// The backend an ``Inflater`` uses when not told: the `LAKEHOUSE_INFLATE` environment
    /// variable (`zlib` or `isal`) when set, otherwise ISA-L when available, otherwise zlib. A
    /// request for ISA-L where it is unavailable gives zlib.
    public static var preferred: InflateBackend {
        if let value = getenv("LAKEHOUSE_INFLATE"), String(cString: value).lowercased() == "zlib" { return .zlib }
        return isalAvailable ? .isal : .zlib
    }
}
