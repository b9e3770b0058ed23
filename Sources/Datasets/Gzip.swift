import CZlib
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Streaming gzip decompression with zlib (`inflateInit2` with `16 + MAX_WBITS`, gzip only).
///
/// Files are read in 1 MiB chunks and decompressed into a 1 MiB output buffer, so a 170 MB
/// archive never sits in memory whole. Multi-member gzip files (concatenated streams) are
/// decompressed as one stream, like `gzip -d` does.
enum Gzip {
    /// Whether `bytes` start with the gzip magic `1f 8b`.
    static func isGzip(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        bytes.count >= 2 && bytes[0] == 0x1f && bytes[1] == 0x8b
    }

    /// Whether the file at `path` starts with the gzip magic.
    static func isGzip(path: String) throws(DatasetError) -> Bool {
        var first: [UInt8] = []
        try FileIO.forEachChunk(path, chunkSize: 2) { c throws(DatasetError) in if first.isEmpty { first = Array(c) } }
        return first.withUnsafeBufferPointer { isGzip($0) }
    }

    /// Decompresses the gzip file at `path`, calling `body` with consecutive pieces of the output.
    /// A damaged or cut-off stream throws `corruptArchive` with zlib's message.
    static func inflate(path: String,
                        _ body: (UnsafeBufferPointer<UInt8>) throws(DatasetError) -> Void) throws(DatasetError) {
        var stream = z_stream()
        guard masklab_inflate_init_gzip(&stream) == Z_OK else {
            throw .corruptArchive(path: path, message: "zlib inflateInit2 failed")
        }
        defer { inflateEnd(&stream) }
        let outSize = 1 << 20
        let out = UnsafeMutablePointer<UInt8>.allocate(capacity: outSize)
        defer { out.deallocate() }
        var ended = false          // the current member has reached Z_STREAM_END
        var compressedOffset = 0   // bytes of the file consumed so far (for messages)

        try FileIO.forEachChunk(path) { chunk throws(DatasetError) in
            stream.next_in = UnsafeMutablePointer(mutating: chunk.baseAddress!)
            stream.avail_in = UInt32(chunk.count)
            repeat {
                if ended {
                    if stream.avail_in == 0 { break }
                    // Another gzip member follows (or trailing garbage, which zlib rejects).
                    guard inflateReset(&stream) == Z_OK else {
                        throw .corruptArchive(path: path, message: "zlib inflateReset failed")
                    }
                    ended = false
                }
                stream.next_out = out
                stream.avail_out = UInt32(outSize)
                let status = CZlib.inflate(&stream, Z_NO_FLUSH)
                let produced = outSize - Int(stream.avail_out)
                if produced > 0 { try body(UnsafeBufferPointer(start: out, count: produced)) }
                if status == Z_STREAM_END { ended = true; continue }
                if status == Z_OK || (status == Z_BUF_ERROR && stream.avail_in == 0) { continue }
                let message = stream.msg.map { String(cString: $0) } ?? "zlib error \(status)"
                let at = compressedOffset + chunk.count - Int(stream.avail_in)
                throw .corruptArchive(path: path, message: "\(message) (near compressed byte \(at))")
            } while stream.avail_in > 0 || stream.avail_out == 0
            compressedOffset += chunk.count
        }
        guard ended else {
            throw .corruptArchive(path: path, message: compressedOffset == 0
                ? "empty file"
                : "unexpected end of gzip stream after \(compressedOffset) compressed bytes (file cut short)")
        }
    }

    /// The whole decompressed content of the gzip file at `path`.
    static func inflateAll(path: String) throws(DatasetError) -> [UInt8] {
        // The trailer's ISIZE (size mod 2³²) is a good capacity hint for these files.
        let out = ByteAccumulator(capacity: (try? trailerSize(path: path)) ?? 1 << 20)
        try inflate(path: path) { piece throws(DatasetError) in out.append(piece) }
        return out.toArray()
    }

    /// ISIZE from the last 4 bytes of a gzip file (little-endian), capped at 1 GiB.
    private static func trailerSize(path: String) throws(DatasetError) -> Int? {
        guard let f = fopen(path, "rb") else { return nil }
        defer { fclose(f) }
        guard fseek(f, -4, SEEK_END) == 0 else { return nil }
        var b = [UInt8](repeating: 0, count: 4)
        guard fread(&b, 1, 4, f) == 4 else { return nil }
        let n = Int(b[0]) | Int(b[1]) << 8 | Int(b[2]) << 16 | Int(b[3]) << 24
        return min(n, 1 << 30)
    }
}
