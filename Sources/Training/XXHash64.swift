/// xxHash64 (Yann Collet's XXH64, https://github.com/Cyan4973/xxHash, the 64-bit variant): a
/// fast non-cryptographic hash, here to detect damaged files and to fingerprint data, not to
/// resist an adversary. Standard output, so `xxhash.xxh64(data).hexdigest()` in Python gives the
/// same digits as `hex`.
public enum XXHash64 {
    private static let p1: UInt64 = 0x9E37_79B1_85EB_CA87
    private static let p2: UInt64 = 0xC2B2_AE3D_27D4_EB4F
    private static let p3: UInt64 = 0x1656_67B1_9E37_79F9
    private static let p4: UInt64 = 0x85EB_CA77_C2B2_AE63
    private static let p5: UInt64 = 0x27D4_EB2F_1656_67C5

    /// The hash of `bytes` with `seed`.
    public static func hash(_ bytes: UnsafeRawBufferPointer, seed: UInt64 = 0) -> UInt64 {
        let n = bytes.count
        var i = 0
        var h: UInt64
        if n >= 32 {
            var v1 = seed &+ p1 &+ p2, v2 = seed &+ p2, v3 = seed, v4 = seed &- p1
            while i + 32 <= n {
                v1 = round(v1, word(bytes, i))
                v2 = round(v2, word(bytes, i + 8))
                v3 = round(v3, word(bytes, i + 16))
                v4 = round(v4, word(bytes, i + 24))
                i += 32
            }
            h = rotate(v1, 1) &+ rotate(v2, 7) &+ rotate(v3, 12) &+ rotate(v4, 18)
            for v in [v1, v2, v3, v4] { h = (h ^ round(0, v)) &* p1 &+ p4 }
        } else {
            h = seed &+ p5
        }
        h &+= UInt64(n)
        while i + 8 <= n {
            h = rotate(h ^ round(0, word(bytes, i)), 27) &* p1 &+ p4
            i += 8
        }
        if i + 4 <= n {
            h = rotate(h ^ (UInt64(bytes.loadUnaligned(fromByteOffset: i, as: UInt32.self).littleEndian) &* p1), 23) &* p2 &+ p3
            i += 4
        }
        while i < n {
            h = rotate(h ^ (UInt64(bytes[i]) &* p5), 11) &* p1
            i += 1
        }
        h ^= h >> 33
        h &*= p2
        h ^= h >> 29
        h &*= p3
        return h ^ (h >> 32)
    }

    /// The hash of an array's bytes (its elements' memory, little-endian on every host MaskLab runs on).
    public static func hash<T>(_ values: [T], seed: UInt64 = 0) -> UInt64 {
        values.withUnsafeBytes { hash($0, seed: seed) }
    }

    /// `value` as 16 lowercase hex digits (how MaskLab writes a hash into metadata).
    public static func hex(_ value: UInt64) -> String {
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: 16 - digits.count) + digits
    }

    @inline(__always) private static func word(_ bytes: UnsafeRawBufferPointer, _ offset: Int) -> UInt64 {
        bytes.loadUnaligned(fromByteOffset: offset, as: UInt64.self).littleEndian
    }

    @inline(__always) private static func rotate(_ x: UInt64, _ r: UInt64) -> UInt64 { (x << r) | (x >> (64 - r)) }

    @inline(__always) private static func round(_ acc: UInt64, _ input: UInt64) -> UInt64 {
        rotate(acc &+ input &* p2, 31) &* p1
    }
}
