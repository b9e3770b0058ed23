/// Decides whether a parallel region is worth handing to the other threads, given the measured
/// cache-line round trip between them.
///
/// A region split into `p` chunks saves `(1 − 1/p)` of its single-thread time `t`. On its
/// critical path it costs a handshake of `handshakeRoundTrips` round trips (the region is
/// announced, the worker reads the task, reports back, the caller sees it) plus fetching the data
/// the other core wrote last: `crossingBytes / 64` cache lines, `linesPerRoundTrip` of them in
/// flight at a time, each batch one round trip `r`. Both terms scale with `r`, which is why
/// fine-grained two-thread work ran 2–2.5× slower in the periods when the host placed this VM's
/// two vCPUs far apart (`r` ≈ 320–410 ns instead of 75–95 ns) while each core alone and large
/// GEMMs were unaffected. The region runs on the pool when
/// `t · (1 − 1/p) > r · (handshakeRoundTrips + lines / linesPerRoundTrip)`, else its chunks run
/// one after the other on the calling thread.
///
/// A compute-bound region (`RegionCost.computeBound`, the matrix products) saves less when the
/// threads share one core's vector units: its split runs `min(p, computeSpeedup)` times as fast,
/// where `computeSpeedup` is measured by `ComputeProbe` (≈ 2 on two cores of their own, ≈ 1 on
/// two hyperthreads of one core, where those regions then run on the calling thread). A measured
/// speed-up below `computeSpeedupFloor` counts as none: on hyperthreads the small probe products
/// may read up to ≈ 1.3 while the MLP's 2-thread steps ran at 0.88–0.91× of one thread.
///
/// The decision only says *where* the chunks run, never how the work is cut into chunks, so it
/// cannot change a result (see `Parallel`). The constants are estimates for the 2-vCPU Xeon of
/// this project (AVX-512, 1 MB L2 per core), chosen so that at a quiet round trip (≤ 95 ns)
/// every region that was spread before this model existed still is (`ParallelCostModelTests`).
public struct ParallelCostModel: Sendable, Equatable {
    /// Measured cache-line round trip between the pool's threads, nanoseconds.
    public var roundTripNanoseconds: Double

    /// Round trips on the critical path of one region's handshake.
    public static let handshakeRoundTrips = 4.0
    /// Measured compute speed-ups below this count as 1 (no gain from spreading a product).
    public static let computeSpeedupFloor = 1.3
    /// Cache-line fetches one core keeps in flight (Skylake has 10–12 line-fill buffers).
    public static let linesPerRoundTrip = 10.0
    /// At most this much of a region's data is still in the other core's private cache (half an L2).
    public static let crossingBytesLimit = 512 * 1024

    /// Measured speed-up of compute-bound work on all the pool's threads over one thread
    /// (`ComputeProbe`); `nil`: as many times as there are chunks.
    public var computeSpeedup: Double?

    public init(roundTripNanoseconds: Double, computeSpeedup: Double? = nil) {
        self.roundTripNanoseconds = roundTripNanoseconds
        self.computeSpeedup = computeSpeedup
    }

    /// What spreading `cost` costs on the critical path, nanoseconds.
    public func overheadNanoseconds(_ cost: RegionCost) -> Double {
        let bytes = min(cost.crossingBytes, Double(Self.crossingBytesLimit))
        return roundTripNanoseconds * (Self.handshakeRoundTrips + bytes / 64 / Self.linesPerRoundTrip)
    }

    /// Whether a region of `cost` cut into `chunks` chunks should run on the pool.
    public func spreads(_ cost: RegionCost, chunks: Int) -> Bool {
        guard chunks > 1 else { return false }
        var speedup = Double(chunks)
        if cost.computeBound, let computeSpeedup {
            speedup = computeSpeedup < Self.computeSpeedupFloor ? 1 : min(speedup, computeSpeedup)
        }
        guard speedup > 1 else { return false }
        let saved = cost.nanoseconds * (1 - 1 / speedup)
        return saved > overheadNanoseconds(cost)
    }
}

/// A parallel region's single-thread time and the bytes its chunks may have to fetch from another
/// core, both estimated from its size.
public struct RegionCost: Sendable, Equatable {
    /// Estimated single-thread time, nanoseconds.
    public var nanoseconds: Double
    /// Bytes the chunks read or write that another core may hold (last written there).
    public var crossingBytes: Double
    /// Whether the region's time is arithmetic (its split gains `ParallelCostModel.computeSpeedup`
    /// at most) rather than memory traffic.
    public var computeBound: Bool

    public init(nanoseconds: Double, crossingBytes: Double, computeBound: Bool = false) {
        self.nanoseconds = nanoseconds
        self.crossingBytes = crossingBytes
        self.computeBound = computeBound
    }

    /// A streaming loop of `units` units of `Parallel.forEachChunk`'s `count · costPerItem` (about
    /// one float read or written each): 0.25 ns per unit, and half a byte per unit last written by
    /// the other core (an eighth of the floats, e.g. the other thread's share of the previous
    /// operation's output when the two operations cut the data differently).
    public static func streaming(_ units: Int) -> RegionCost {
        RegionCost(nanoseconds: 0.25 * Double(units), crossingBytes: 0.5 * Double(units))
    }

    /// A product of `macs` multiply-accumulates over operands and result of `bytes` in all:
    /// 0.02 ns per multiply-accumulate (≈ 100 GFLOP/s on one core), and a quarter of the bytes
    /// last written by the other core; compute-bound.
    public static func multiplyAdds(_ macs: Int, bytes: Int) -> RegionCost {
        RegionCost(nanoseconds: 0.02 * Double(macs), crossingBytes: 0.25 * Double(bytes), computeBound: true)
    }
}
