import XCTest
import CFusedKernels
@testable import TensorCore
import Stats

/// The F(4×4) weight transforms' C kernels (`f4_weight_transforms.c`) against their Swift twins:
/// `U = G g Gᵀ` (`transformWeights` / `transformWeightsPortable`), the input gradient's flipped
/// filters read straight from the weights (`transformFlippedWeights` / `flipFilters` then
/// `transformWeightsPortable`) and `dW += Gᵀ dU G` (`transformWeightGradient` /
/// `transformWeightGradientPortable`), bit for bit.
///
/// Filter counts 1–30 720 (partial blocks of 1, 3, 9 and 15 filters, one whole block, output channels
/// that are not multiples of 16 so flipped blocks straddle input channels); weights with all-zero
/// filters and ±0 taps, whose transforms' signs of zero the C kernels must reproduce (Swift's
/// SIMD negation is `0 − v`); calls on a part of the filters, which must leave the rest alone.
final class WinogradF4WeightTransformTests: XCTestCase {
    override func setUp() { Parallel.setThreads(2) }
    override func tearDown() { Parallel.setThreads(2) }

    /// (output channels, input channels). 128 × 240 filters make `U` larger than the C kernels'
    /// limit for streaming stores (2²⁰ floats), so that path is checked too.
    private let shapes = [(1, 1), (3, 5), (4, 4), (17, 1), (7, 9), (16, 16), (33, 3), (5, 48), (64, 64), (5, 5), (128, 240)]

    /// `count` random taps in [−1, 1], every fifth filter all zeros and every seventh tap ±0.
    private func weights(_ count: Int, seed: UInt64) -> [Float] {
        let rng = RandomStream(seed: seed)
        return (0..<count).map { i in
            if (i / 9) % 5 == 2 { return 0 }
            if i % 7 == 3 { return i % 2 == 0 ? -0.0 : 0.0 }
            return rng.uniform(-1, 1)
        }
    }

    private func plan(outChannels o: Int, channels c: Int) -> WinogradF4.Plan {
        WinogradF4.Plan(channels: c, outChannels: o, height: 4, width: 4, batch: 1, threads: 2, budget: 1 << 20, lanes: 1)
    }

    private func skipWithoutKernels() throws {
        guard WinogradF4.vectorTransforms else {
            throw XCTSkip("the weight transforms run the portable versions only here (no AVX-512, or MASKLAB_F4_VECTOR_TRANSFORMS=0)")
        }
    }

    /// `transformWeights` (the C kernel on this CPU) gives `transformWeightsPortable`'s bits, and
    /// writes nothing past `U`.
    func testVectorWeightTransformGivesThePortableBits() throws {
        try skipWithoutKernels()
        var negativeZeros = 0
        for (index, (o, c)) in shapes.enumerated() {
            let p = plan(outChannels: o, channels: c), count = 36 * o * c
            let weight = weights(9 * o * c, seed: 300 + UInt64(index))
            func transform(_ f: (UnsafePointer<Float>, UnsafeMutablePointer<Float>) -> Void) -> [Float] {
                F4TransformCheck.run("\(o)×\(c)", scratchCount: 0, outputCount: count) { _, u in
                    weight.withUnsafeBufferPointer { f($0.baseAddress!, u) }
                }
            }
            let vector = transform { WinogradF4.transformWeights($0, plan: p, into: $1) }
            let portable = transform { WinogradF4.transformWeightsPortable($0, plan: p, into: $1) }
            XCTAssertFalse(portable.contains { $0.isNaN }, "\(o)×\(c): the portable transform left U entries unwritten")
            negativeZeros += portable.filter { $0 == 0 && $0.sign == .minus }.count
            let differing = F4TransformCheck.differing(vector, portable)
            XCTAssertEqual(differing, 0, "\(o)×\(c) filters: \(differing) of \(count) U entries differ")
        }
        XCTAssertGreaterThan(negativeZeros, 0, "the weights gave no −0 in U: the check of zeros' signs would be idle")
    }

    /// The flipped transform from the unflipped weights gives the bits of flipping the filters
    /// (`flipFilters`) and transforming them with the portable twin.
    func testVectorFlippedWeightTransformGivesTheFlippedPortableBits() throws {
        try skipWithoutKernels()
        for (index, (o, c)) in shapes.enumerated() {
            let count = 36 * o * c
            let weight = weights(9 * o * c, seed: 400 + UInt64(index))
            let vector = F4TransformCheck.run("flipped \(o)×\(c)", scratchCount: 0, outputCount: count) { _, u in
                weight.withUnsafeBufferPointer { WinogradF4.transformFlippedWeights($0.baseAddress!, outChannels: o, channels: c, into: u) }
            }
            let flipped = TensorStorage(count: 9 * o * c)
            weight.withUnsafeBufferPointer { WinogradF4.flipFilters($0.baseAddress!, outChannels: o, channels: c, into: flipped.base) }
            let portable = F4TransformCheck.run("flipped \(o)×\(c)", scratchCount: 0, outputCount: count) { _, u in
                WinogradF4.transformWeightsPortable(flipped.base, plan: plan(outChannels: c, channels: o), into: u)
            }
            let differing = F4TransformCheck.differing(vector, portable)
            XCTAssertEqual(differing, 0, "\(o)×\(c) filters, flipped: \(differing) of \(count) U′ entries differ")
        }
    }

    /// `transformWeightGradient` (the C kernel) adds into `dW` exactly what
    /// `transformWeightGradientPortable` adds, starting from the same nonzero `dW`.
    func testVectorWeightGradientTransformGivesThePortableBits() throws {
        try skipWithoutKernels()
        for (index, (o, c)) in shapes.enumerated() {
            let p = plan(outChannels: o, channels: c), count = 9 * o * c
            let du = weights(36 * o * c, seed: 500 + UInt64(index))
            let start = weights(count, seed: 600 + UInt64(index))
            func transform(_ f: (UnsafePointer<Float>, UnsafeMutablePointer<Float>) -> Void) -> [Float] {
                F4TransformCheck.run("gradient \(o)×\(c)", scratchCount: 0, outputCount: count) { _, dw in
                    dw.update(from: start, count: count)
                    du.withUnsafeBufferPointer { f($0.baseAddress!, dw) }
                }
            }
            let vector = transform { WinogradF4.transformWeightGradient($0, plan: p, into: $1) }
            let portable = transform { WinogradF4.transformWeightGradientPortable($0, plan: p, into: $1) }
            XCTAssertGreaterThan(F4TransformCheck.differing(portable, start), count / 2, "\(o)×\(c): the portable transform added nothing")
            let differing = F4TransformCheck.differing(vector, portable)
            XCTAssertEqual(differing, 0, "\(o)×\(c) filters: \(differing) of \(count) weight-gradient entries differ")
        }
    }

    /// A call on filters `first ..< first + count` writes exactly those filters' entries, in all three
    /// kernels (the threads' chunks rely on it), with the values of the whole call: on 63 filters,
    /// and on 30 720, where `U` passes the streaming stores' limit, with calls that start on a
    /// block boundary (streaming) and off one (ordinary stores: a streaming store there would fault).
    func testKernelsWriteOnlyTheirFilters() throws {
        try skipWithoutKernels()
        for (o, c, ranges) in [(7, 9, [(0, 5), (16, 16), (16, 31), (32, 31), (48, 1)]),
                               (128, 240, [(16, 30_000), (8, 30_000), (30_701, 19)])] {
            checkPartialCalls(outChannels: o, channels: c, ranges: ranges)
        }
    }

    private func checkPartialCalls(outChannels o: Int, channels c: Int, ranges: [(Int, Int)]) {
        let filters = o * c
        let weight = weights(9 * filters, seed: 700), du = weights(36 * filters, seed: 701)
        for (first, count) in ranges {
            let part = first..<(first + count)
            func check(_ what: String, entries: Int, perRow: Int, rows: Int,
                       _ call: (UnsafeMutablePointer<Float>, Int, Int) -> Void) {
                let whole = F4TransformCheck.run(what, scratchCount: 0, outputCount: entries) { _, out in
                    out.update(repeating: 0.5, count: entries)
                    call(out, 0, filters)
                }
                let partial = F4TransformCheck.run(what, scratchCount: 0, outputCount: entries) { _, out in
                    out.update(repeating: 0.5, count: entries)
                    call(out, first, count)
                }
                for row in 0..<rows {
                    for f in 0..<filters {
                        for k in 0..<perRow {
                            let i = rows == 1 ? perRow * f + k : row * filters + f
                            let expected = part.contains(f) ? whole[i] : 0.5
                            if partial[i].bitPattern != expected.bitPattern {
                                XCTFail("\(what), filters \(part): entry \(i) (filter \(f)) is \(partial[i]), expected \(expected)")
                                return
                            }
                        }
                    }
                }
            }
            weight.withUnsafeBufferPointer { w in
                check("weight transform", entries: 36 * filters, perRow: 1, rows: 36) {
                    masklab_f4_weight_transform(w.baseAddress!, filters, $1, $2, $0)
                }
                check("flipped weight transform", entries: 36 * filters, perRow: 1, rows: 36) {
                    masklab_f4_flipped_weight_transform(w.baseAddress!, o, c, $1, $2, $0)
                }
            }
            du.withUnsafeBufferPointer { d in
                check("weight-gradient transform", entries: 9 * filters, perRow: 9, rows: 1) {
                    masklab_f4_weight_gradient_transform(d.baseAddress!, filters, $1, $2, $0)
                }
            }
        }
    }
}
