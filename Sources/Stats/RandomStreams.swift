/// What a random stream is for. Each purpose draws from its own stream so that, for example,
/// changing the mask sampler leaves initialisation and data order bit-identical.
public enum RandomPurpose: UInt64, CaseIterable, Sendable {
    case initialisation = 1
    case dataOrder = 2
    case augmentation = 3
    case masks = 4
    case importance = 5
    case validationSplit = 6
    case reinitialisation = 7
    case pruning = 8
    case dropout = 9
}

/// Derives every random stream of a run from its seed: stream (seed, purpose, a, b) is seeded
/// with a SplitMix64 hash of the four numbers, where `a` and `b` name the instance (e.g. the
/// parameter index for initialisation, the epoch and batch for augmentation, the layer and step
/// for masks).
///
/// Because a stream is a pure function of its key, nothing needs to be carried between steps:
/// a resumed run recreates exactly the streams the uninterrupted run would have used.
public struct RandomStreams: Sendable, Equatable {
    public let seed: UInt64

    public init(seed: UInt64) { self.seed = seed }

    /// The 64-bit seed of stream (purpose, a, b).
    public func derivedSeed(_ purpose: RandomPurpose, _ a: UInt64 = 0, _ b: UInt64 = 0) -> UInt64 {
        var h = SplitMix64.mix(seed)
        h = SplitMix64.mix(h ^ purpose.rawValue)
        h = SplitMix64.mix(h ^ a)
        h = SplitMix64.mix(h ^ b)
        return h
    }

    /// A new stream for (purpose, a, b).
    public func stream(_ purpose: RandomPurpose, _ a: Int = 0, _ b: Int = 0) -> RandomStream {
        RandomStream(seed: derivedSeed(purpose, UInt64(truncatingIfNeeded: a), UInt64(truncatingIfNeeded: b)))
    }

    /// Restarts `stream` in place as stream (purpose, a, b): the same numbers as `stream(purpose, a, b)`
    /// without allocating a generator.
    public func reseed(_ stream: RandomStream, _ purpose: RandomPurpose, _ a: Int = 0, _ b: Int = 0) {
        stream.reseed(derivedSeed(purpose, UInt64(truncatingIfNeeded: a), UInt64(truncatingIfNeeded: b)))
    }
}

/// The SplitMix64 finaliser (Steele, Lea & Flood 2014): a bijective 64-bit mix used to derive seeds.
public enum SplitMix64 {
    @inlinable public static func mix(_ x: UInt64) -> UInt64 {
        var z = x &+ 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
