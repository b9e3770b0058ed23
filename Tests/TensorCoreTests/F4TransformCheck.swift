import XCTest
import CFusedKernels
@testable import TensorCore

/// What the checks of the F(4×4) transforms' C kernels against their Swift twins share
/// (`WinogradF4Tests`, `WinogradF4BackwardTests`): the shapes, and a run of one transform on a
/// scratch and an output that start as NaN, between sentinels that must survive. The C kernels
/// get exactly the scratch they ask for (`vectorScratch`), at every offset from a 64-byte
/// boundary across the cases; the Swift twins get the plan's.
enum F4TransformCheck {
    /// One shape: `channels` (input channels for the input transform, output channels for the
    /// others), an `h`×`w` map, `n` images of which the call transforms `images`.
    struct Case { let channels, h, w, n: Int; let images: Range<Int> }

    /// Maps one to sixteen tiles wide: 4×4, 8×8, 16×16 and 32×32 as in ResNet-18; 12×12, 28×26
    /// and 52×50 (3, 7 and 13 tiles across, so that blocks of 16 tiles start and end inside tile
    /// rows and the C kernels' neighbours from the previous and next block carry data); partial
    /// tiles at 7×6, 17×17, 13×30, 1×1 and 64×61; calls that start past the first image; tile
    /// counts that are not multiples of the vectors' 16.
    static let cases = [
        Case(channels: 3, h: 4, w: 4, n: 6, images: 1..<6), Case(channels: 2, h: 8, w: 8, n: 3, images: 0..<3),
        Case(channels: 2, h: 16, w: 16, n: 2, images: 1..<2), Case(channels: 2, h: 32, w: 32, n: 2, images: 0..<2),
        Case(channels: 2, h: 12, w: 12, n: 3, images: 1..<3), Case(channels: 2, h: 28, w: 26, n: 3, images: 1..<3),
        Case(channels: 2, h: 52, w: 50, n: 2, images: 0..<2),
        Case(channels: 2, h: 7, w: 6, n: 3, images: 0..<3), Case(channels: 1, h: 17, w: 17, n: 2, images: 1..<2),
        Case(channels: 3, h: 13, w: 30, n: 1, images: 0..<1), Case(channels: 2, h: 1, w: 1, n: 5, images: 2..<5),
        Case(channels: 1, h: 64, w: 61, n: 1, images: 0..<1),
    ]

    /// Floats before the scratch and after the scratch and the output that must keep `sentinel`.
    static let guardFloats = 64
    static let sentinel = Float(bitPattern: 0x7fc0_4321)

    /// Scratch floats of one C kernel call on `tiles` tiles: exactly what it says it needs.
    static func vectorScratch(tiles: Int) -> Int { masklab_f4_transform_scratch(tiles) }

    /// Runs `body(scratch, output)` with `scratch` of `scratchCount` floats starting `offset` floats
    /// past a 64-byte boundary (so the C kernels' alignment margin is exercised) and `output` of
    /// `outputCount` floats, both NaN, with `guardFloats` sentinels before the scratch and after
    /// both; fails (naming `what`) when a sentinel changed; returns the output.
    static func run(_ what: String, scratchCount: Int, offset: Int = 0, outputCount: Int,
                    _ body: (UnsafeMutablePointer<Float>, UnsafeMutablePointer<Float>) -> Void) -> [Float] {
        let storage = TensorStorage(count: guardFloats + offset + scratchCount + guardFloats)
        let output = TensorStorage(count: outputCount + guardFloats)
        let scratch = storage.base + guardFloats + offset
        storage.base.update(repeating: sentinel, count: guardFloats + offset)
        scratch.update(repeating: .nan, count: scratchCount)
        (scratch + scratchCount).update(repeating: sentinel, count: guardFloats)
        output.base.update(repeating: .nan, count: outputCount)
        (output.base + outputCount).update(repeating: sentinel, count: guardFloats)
        body(scratch, output.base)
        for i in 0..<(guardFloats + offset) {
            XCTAssertEqual(storage.base[i].bitPattern, sentinel.bitPattern, "\(what): wrote before the scratch at −\(guardFloats + offset - i)")
        }
        for i in 0..<guardFloats {
            XCTAssertEqual(scratch[scratchCount + i].bitPattern, sentinel.bitPattern, "\(what): wrote past the scratch at +\(i)")
            XCTAssertEqual(output.base[outputCount + i].bitPattern, sentinel.bitPattern, "\(what): wrote past the output at +\(i)")
        }
        return Array(UnsafeBufferPointer(start: output.base, count: outputCount))
    }

    /// How many of `a`'s entries differ from `b`'s in their bits.
    static func differing(_ a: some Collection<Float>, _ b: some Collection<Float>) -> Int {
        zip(a, b).filter { $0.bitPattern != $1.bitPattern }.count
    }
}
