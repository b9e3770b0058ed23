import XCTest
@testable import TensorCore

/// What the checks of the F(4×4) transforms' C kernels against their Swift twins share
/// (`WinogradF4Tests`, `WinogradF4BackwardTests`): the shapes, and a run of one transform on a
/// scratch and an output that start as NaN and are followed by sentinels that must survive.
enum F4TransformCheck {
    /// One shape: `channels` (input channels for the input transform, output channels for the
    /// others), an `h`×`w` map, `n` images of which the call transforms `images`.
    struct Case { let channels, h, w, n: Int; let images: Range<Int> }

    /// Maps one to sixteen tiles wide: 4×4, 8×8, 16×16 and 32×32 as in ResNet-18, partial tiles at
    /// 7×6, 17×17, 13×30, 1×1 and 64×61; calls that start past the first image; tile counts that
    /// are not multiples of the vectors' 16.
    static let cases = [
        Case(channels: 3, h: 4, w: 4, n: 6, images: 1..<6), Case(channels: 2, h: 8, w: 8, n: 3, images: 0..<3),
        Case(channels: 2, h: 16, w: 16, n: 2, images: 1..<2), Case(channels: 2, h: 32, w: 32, n: 2, images: 0..<2),
        Case(channels: 2, h: 7, w: 6, n: 3, images: 0..<3), Case(channels: 1, h: 17, w: 17, n: 2, images: 1..<2),
        Case(channels: 3, h: 13, w: 30, n: 1, images: 0..<1), Case(channels: 2, h: 1, w: 1, n: 5, images: 2..<5),
        Case(channels: 1, h: 64, w: 61, n: 1, images: 0..<1),
    ]

    /// Floats after the scratch and the output that must keep `sentinel`.
    static let guardFloats = 64
    static let sentinel = Float(bitPattern: 0x7fc0_4321)

    /// Runs `body(scratch, output)` with `scratch` of `scratchCount` and `output` of `outputCount`
    /// floats, both NaN, each followed by `guardFloats` sentinels; fails (naming `what`) when a
    /// sentinel changed; returns the output.
    static func run(_ what: String, scratchCount: Int, outputCount: Int,
                    _ body: (UnsafeMutablePointer<Float>, UnsafeMutablePointer<Float>) -> Void) -> [Float] {
        let scratch = TensorStorage(count: scratchCount + guardFloats), output = TensorStorage(count: outputCount + guardFloats)
        scratch.base.update(repeating: .nan, count: scratchCount)
        output.base.update(repeating: .nan, count: outputCount)
        (scratch.base + scratchCount).update(repeating: sentinel, count: guardFloats)
        (output.base + outputCount).update(repeating: sentinel, count: guardFloats)
        body(scratch.base, output.base)
        for i in 0..<guardFloats {
            XCTAssertEqual(scratch.base[scratchCount + i].bitPattern, sentinel.bitPattern, "\(what): wrote past the scratch at +\(i)")
            XCTAssertEqual(output.base[outputCount + i].bitPattern, sentinel.bitPattern, "\(what): wrote past the output at +\(i)")
        }
        return Array(UnsafeBufferPointer(start: output.base, count: outputCount))
    }

    /// How many of `a`'s entries differ from `b`'s in their bits.
    static func differing(_ a: some Collection<Float>, _ b: some Collection<Float>) -> Int {
        zip(a, b).filter { $0.bitPattern != $1.bitPattern }.count
    }
}
