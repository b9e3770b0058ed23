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
/// decompressed as one stream, like `gzip -d` does. The decompressed output is capped (a "gzip
/// bomb" is refused as soon as it passes the cap, never decompressed whole): at `limit` bytes, by
/// default `maxOutput`; readers that know the exact size from a header also stop themselves.
enum Gzip {
    /// The most any gzip file is allowed to decompress to: 1 GiB (the largest official file,
    /// CIFAR-10's tarball, holds 185 MB).
    static let maxOutput = 1 << 30

    /// Whether `bytes` start with the gzip magic `1f 8b`.
    static func isGzip(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        bytes.count >= 2 && bytes[0] == 0x1f && bytes[1] == 0x8b
    }

    /// Whether the file at `path` starts with the gzip magic.
    static func isGzip(path: String) throws(DatasetError) -> Bool {
        guard let file = fopen(path, "rb") else {
            if !FileIO.exists(path) { throw .missing(path: path, hint: "") }
            throw .io(path: path, message: "cannot open: \(String(cString: strerror(errno)))")
        }
        defer { fclose(file) }
        var first: [UInt8] = [0, 0]
        let n = fread(&first, 1, 2, file)
        return n == 2 && first[0] == 0x1f && first[1] == 0x8b
    }

    /// Decompresses the gzip file at `path`, calling `body` with consecutive pieces of the output.
    /// A damaged or cut-off stream throws `corruptArchive` with zlib's message and the compressed
    /// offset; output beyond `limit` bytes throws `tooLong` (zlib is never asked for more than
    /// `limit + 1` bytes, and `body` never sees a byte past `limit`).
    static func inflate(path: String, limit: Int = maxOutput,
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
        var produced = 0           // decompressed bytes handed to `body`

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
                // Room for at most one byte past the limit: enough to tell that the limit is passed.
                let room = min(outSize, limit - produced + 1)
                stream.next_out = out
                stream.avail_out = UInt32(room)
                let status = CZlib.inflate(&stream, Z_NO_FLUSH)
                let piece = room - Int(stream.avail_out)
                if produced + piece > limit {
                    throw .tooLong(path: path, offset: limit, what: "decompressed data", limit: limit)
                }
                if piece > 0 { try body(UnsafeBufferPointer(start: out, count: piece)) }
                produced += piece
                if status == Z_STREAM_END { ended = true; continue }
                if status == Z_OK || (status == Z_BUF_ERROR && stream.avail_in == 0) { continue }
                let message = stream.msg.map { String(cString: $0) } ?? "zlib error \(status)"
                let at = compressedOffset + chunk.count - Int(stream.avail_in)
                throw .corruptArchive(path: path, message:
                    "at compressed byte offset \(at): expected valid gzip data, got '\(message)' from zlib")
            } while stream.avail_in > 0 || stream.avail_out == 0
            compressedOffset += chunk.count
        }
        guard ended else {
            throw .corruptArchive(path: path, message: compressedOffset == 0
                ? "empty file: expected a gzip stream, got 0 bytes"
                : "unexpected end of gzip stream at compressed byte offset \(compressedOffset): "
                  + "expected more compressed data and the 8-byte trailer, got the end of the file (file cut short)")
        }
    }
}
