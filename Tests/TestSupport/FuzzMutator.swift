/// A small seeded random source for the fuzz suite (SplitMix64): the same seed gives the same
/// mutations on every machine, so any failing case reproduces from (seed, corpus, case).
public struct FuzzRandom {
    private var state: UInt64

    public init(seed: UInt64) { state = seed }

    /// A generator for case `index` of corpus `name` under run seed `seed`.
    public init(seed: UInt64, corpus name: String, index: Int) {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325               // FNV-1a of the corpus name
        for b in name.utf8 { h = (h ^ UInt64(b)) &* 0x100_0000_01b3 }
        self.init(seed: seed ^ h ^ (UInt64(truncatingIfNeeded: index) &* 0x9e37_79b9_7f4a_7c15))
        _ = next()
    }

    public mutating func next() -> UInt64 {
        state &+= 0x9e37_79b9_7f4a_7c15
        var z = state
        z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
        z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
        return z ^ (z >> 31)
    }

    /// Uniform in `0..<n` (n > 0).
    public mutating func below(_ n: Int) -> Int { Int(next() % UInt64(n)) }

    /// True with probability `p`.
    public mutating func chance(_ p: Double) -> Bool { Double(next() >> 11) / Double(1 << 53) < p }

    /// One element of `values`.
    public mutating func pick<T>(_ values: [T]) -> T { values[below(values.count)] }
}

/// A header field worth attacking: `width` bytes at `offset` holding a count, size or magic.
public struct FuzzField: Sendable {
    public let offset: Int
    public let width: Int
    public init(offset: Int, width: Int) {
        self.offset = offset
        self.width = width
    }
}

/// Seeded mutations of a valid file: the kinds of damage real files suffer (bit rot, cut-off
/// downloads, bytes lost or repeated) and the kinds a hostile file uses (sizes and counts of
/// zero, huge, negative or just-past-the-end values in its header fields).
public enum FuzzMutator {
    /// Byte values at the edges of signed and unsigned ranges.
    static let boundaryBytes: [UInt8] = [0x00, 0xFF, 0x7F, 0x80, 0x01, 0xFE]
    /// Field values: zero, small, sign boundaries of 8/16/32/64 bits, huge, negative.
    static let boundaryValues: [UInt64] = [0, 1, 2, 0x7F, 0x80, 0xFF, 0xFFFF, 0x7FFF_FFFF, 0x8000_0000, 0xFFFF_FFFF,
                                           1 << 32, 1 << 40, 1 << 56, 1 << 62, 0x7FFF_FFFF_FFFF_FFFF, 0x8000_0000_0000_0000,
                                           UInt64.max, UInt64(bitPattern: -3), UInt64(bitPattern: -512)]

    /// Applies one to three random mutations to `input`; returns the result and a description
    /// of what was done (printed with a failure).
    public static func mutate(_ input: [UInt8], fields: [FuzzField], rng: inout FuzzRandom) -> (bytes: [UInt8], description: String) {
        var bytes = input
        var done: [String] = []
        for _ in 0..<(1 + rng.below(3)) {
            done.append(mutateOnce(&bytes, fields: fields, rng: &rng))
        }
        return (bytes, done.joined(separator: "; "))
    }

    private static func mutateOnce(_ bytes: inout [UInt8], fields: [FuzzField], rng: inout FuzzRandom) -> String {
        let usable = fields.filter { $0.offset + $0.width <= bytes.count }
        // Half of the mutations attack a header field when there are any: that is where sizes live.
        let kind = !usable.isEmpty && rng.chance(0.5) ? 6 : rng.below(6)
        guard !bytes.isEmpty || kind == 4 else { return "nothing (empty input)" }
        switch kind {
        case 0:
            let at = rng.below(bytes.count), bit = rng.below(8)
            bytes[at] ^= 1 << UInt8(bit)
            return "flip bit \(bit) at \(at)"
        case 1:
            let at = rng.below(bytes.count), value = rng.pick(boundaryBytes)
            bytes[at] = value
            return "byte \(at) = \(value)"
        case 2:
            let at = rng.below(bytes.count)
            bytes.removeSubrange(at...)
            return "truncate at \(at)"
        case 3:
            let at = rng.below(bytes.count), length = min(bytes.count - at, 1 + rng.below(rng.chance(0.2) ? 4096 : 64))
            bytes.removeSubrange(at..<(at + length))
            return "delete \(length) bytes at \(at)"
        case 4:
            let at = rng.below(bytes.count + 1), length = 1 + rng.below(rng.chance(0.2) ? 4096 : 64)
            let fill: UInt8? = rng.chance(0.5) ? rng.pick(boundaryBytes) : nil
            var run = [UInt8](repeating: 0, count: length)
            for k in 0..<length { run[k] = fill ?? UInt8(truncatingIfNeeded: rng.next()) }
            bytes.insert(contentsOf: run, at: at)
            return "insert \(length) bytes at \(at)"
        case 5:
            let at = rng.below(bytes.count), length = min(bytes.count - at, 1 + rng.below(512))
            let from = rng.below(bytes.count - length + 1)
            let chunk = Array(bytes[from..<(from + length)])
            bytes.replaceSubrange(at..<(at + length), with: chunk)
            return "copy \(length) bytes from \(from) to \(at)"
        default:
            let field = rng.pick(usable)
            let value = rng.pick(boundaryValues)
            let encoding = rng.below(4)
            write(value, encoding: encoding, into: &bytes, field: field)
            return "field at \(field.offset) (\(field.width) bytes) = \(value) as \(["big-endian", "little-endian", "octal text", "base-256"][encoding])"
        }
    }

    /// Writes `value` into `field` as big-endian, little-endian, octal digits or GNU base-256.
    private static func write(_ value: UInt64, encoding: Int, into bytes: inout [UInt8], field: FuzzField) {
        let w = field.width
        var encoded = [UInt8](repeating: 0, count: w)
        switch encoding {
        case 0: for k in 0..<w { encoded[k] = k >= w - 8 ? UInt8(truncatingIfNeeded: value >> (8 * UInt64(w - 1 - k))) : 0 }
        case 1: for k in 0..<w { encoded[k] = k < 8 ? UInt8(truncatingIfNeeded: value >> (8 * UInt64(k))) : 0 }
        case 2:
            let digits = Array(String(value, radix: 8).utf8.suffix(w - 1))
            for k in 0..<w { encoded[k] = k < digits.count ? digits[k] : 0 }
        default:
            for k in 0..<w { encoded[k] = k >= w - 8 ? UInt8(truncatingIfNeeded: value >> (8 * UInt64(w - 1 - k))) : 0 }
            encoded[0] |= 0x80
        }
        bytes.replaceSubrange(field.offset..<(field.offset + w), with: encoded)
    }
}
