import Foundation

/// Edits of generated tar archives and hand-made deflate streams, for tests that need archives
/// which are well-formed in every respect but one (a lying size field, an endless stream).
public enum ArchiveFixtures {
    /// Byte offsets of the member headers of a ustar archive made by `DatasetFixtures.tar`.
    public static func headerOffsets(_ tar: [UInt8]) -> [Int] {
        var offsets: [Int] = [], p = 0
        while p + 512 <= tar.count, !tar[p..<(p + 512)].allSatisfy({ $0 == 0 }) {
            offsets.append(p)
            var size = 0
            for b in tar[(p + 124)..<(p + 135)] where b >= 48 && b <= 55 { size = size * 8 + Int(b - 48) }
            p += 512 + (size + 511) / 512 * 512
        }
        return offsets
    }

    /// Writes `value` into the 12-byte size field of the header at `header` as GNU base-256
    /// (first byte 0x80, then the value big-endian), and fixes that header's checksum.
    public static func setBase256Size(_ tar: inout [UInt8], header: Int, value: UInt64) {
        tar[header + 124] = 0x80
        for k in 0..<11 { tar[header + 125 + k] = k < 3 ? 0 : UInt8(truncatingIfNeeded: value >> (8 * UInt64(10 - k))) }
        fixChecksum(&tar, header: header)
    }

    /// Writes `digits` (octal text, at most 11 characters) into the size field and fixes the checksum.
    public static func setOctalSize(_ tar: inout [UInt8], header: Int, digits: String) {
        let text = Array(digits.utf8)
        for k in 0..<12 { tar[header + 124 + k] = k < text.count ? text[k] : 0 }
        fixChecksum(&tar, header: header)
    }

    /// Recomputes the checksum of the header at `header` (sum of the header bytes with the
    /// checksum field read as spaces, six octal digits, NUL, space).
    public static func fixChecksum(_ tar: inout [UInt8], header: Int) {
        guard header + 512 <= tar.count else { return }
        for i in 148..<156 { tar[header + i] = 32 }
        let sum = tar[header..<(header + 512)].reduce(0) { $0 + Int($1) }
        let digits = Array(String(sum, radix: 8).utf8)
        let padded = [UInt8](repeating: 48, count: max(0, 6 - digits.count)) + digits.suffix(6)
        for k in 0..<6 { tar[header + 148 + k] = padded[k] }
        tar[header + 154] = 0
        tar[header + 155] = 32
    }

    /// A gzip file holding `prefix` followed by `zeros` zero bytes, compressed ≈ 160:1 (a stored
    /// block for the prefix, then one fixed-Huffman block of length-258 back-references), with
    /// a correct CRC-32 and length. A few kilobytes of it expand to megabytes: a small bomb.
    public static func gzipWithZeros(prefix: [UInt8], zeros: Int) -> [UInt8] {
        var out: [UInt8] = [0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 255]
        // Stored block (not final): header bits 0,00 padded to a byte, LEN, NLEN, data.
        out += [0, UInt8(prefix.count & 255), UInt8(prefix.count >> 8), ~UInt8(prefix.count & 255), ~UInt8(prefix.count >> 8)]
        precondition(prefix.count < 65_536)
        out += prefix
        var bits = BitWriter()
        bits.put(1, count: 1)                      // BFINAL
        bits.put(1, count: 2)                      // BTYPE = 01, fixed Huffman
        var left = zeros
        if left > 0 {
            bits.huffman(0b0011_0000, count: 8)    // literal 0
            left -= 1
        }
        while left >= 258 {
            bits.huffman(0b1100_0101, count: 8)    // length code 285: 258 bytes
            bits.huffman(0, count: 5)              // distance code 0: distance 1
            left -= 258
        }
        for _ in 0..<left { bits.huffman(0b0011_0000, count: 8) }
        bits.huffman(0, count: 7)                  // end of block (256)
        out += bits.flushed
        var crc: UInt32 = 0xffff_ffff
        func feed(_ b: UInt8) {
            crc ^= UInt32(b)
            for _ in 0..<8 { crc = (crc >> 1) ^ (0xedb8_8320 & (0 &- (crc & 1))) }
        }
        for b in prefix { feed(b) }
        // CRC of a run of zeros: one byte at a time is fine for a few megabytes in release builds.
        for _ in 0..<zeros { feed(0) }
        crc = ~crc
        let total = UInt32(truncatingIfNeeded: prefix.count + zeros)
        for v in [crc, total] { out += [UInt8(v & 255), UInt8((v >> 8) & 255), UInt8((v >> 16) & 255), UInt8(v >> 24)] }
        return out
    }

    /// Deflate's bit order: values LSB first, Huffman codes MSB first.
    private struct BitWriter {
        var bytes: [UInt8] = []
        private var current: UInt8 = 0
        private var used = 0
        mutating func put(_ value: Int, count: Int) {
            for k in 0..<count { bit((value >> k) & 1) }
        }
        mutating func huffman(_ code: Int, count: Int) {
            for k in stride(from: count - 1, through: 0, by: -1) { bit((code >> k) & 1) }
        }
        private mutating func bit(_ b: Int) {
            current |= UInt8(b) << used
            used += 1
            if used == 8 { bytes.append(current); current = 0; used = 0 }
        }
        var flushed: [UInt8] { used > 0 ? bytes + [current] : bytes }
    }
}
