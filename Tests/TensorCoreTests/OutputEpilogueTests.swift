import XCTest
import TensorCore
import Stats
import TestSupport

/// `OutputEpilogue.apply` against its scalar definition, element by element and bit for bit,
/// for every plane length from 1 to 37 (so the `SIMD8` blocks and the scalar tail each serve
/// some of them, alone and together) and each form: affine, affine + mapped residual + ReLU, the
/// masked residual (`BasicBlock`'s shortcut gradient), ReLU alone.
final class OutputEpilogueTests: XCTestCase {
    func testEveryLengthMatchesTheScalarDefinition() {
        let o = 3
        let rng = RandomStream(seed: 41)
        let coefficients = TensorStorage(count: 4 * o)
        for i in 0..<coefficients.count { coefficients.base[i] = rng.uniform(-1.5, 1.5) }
        let a = coefficients.base, b = a + o, ra = a + 2 * o, rb = a + 3 * o
        for plane in 1...37 {
            let count = 2 * o * plane   // two images
            let y = TensorStorage(count: count), r = TensorStorage(count: count), m = TensorStorage(count: count)
            for i in 0..<count {
                // Zeros of both signs in y (a masked-out position must still add +0: −0 + 0 = +0),
                // and masks of +0, −0 and NaN (none of them > 0).
                y.base[i] = i % 11 == 0 ? (i % 22 == 0 ? 0 : -0.0) : rng.uniform(-1, 1)
                r.base[i] = rng.uniform(-1, 1)
                m.base[i] = i % 3 == 0 ? [0, -0.0, .nan][i / 3 % 3] : rng.uniform(-1, 1)
            }
            let forms: [(String, OutputEpilogue, (Float, Int) -> Float)] = [
                ("affine", OutputEpilogue(scale: a, shift: b), { v, i in v * a[i / plane % o] + b[i / plane % o] }),
                ("affine + residual + ReLU", OutputEpilogue(scale: a, shift: b, residual: r.base, residualScale: ra, residualShift: rb, relu: true),
                 { v, i in
                     let c = i / plane % o
                     let u = v * a[c] + b[c] + r.base[i] * ra[c] + rb[c]
                     return u < 0 ? 0 : u
                 }),
                ("masked residual", OutputEpilogue(residual: r.base, residualMask: m.base), { v, i in v + (m.base[i] > 0 ? r.base[i] : 0) }),
                ("ReLU", OutputEpilogue(relu: true), { v, _ in v < 0 ? 0 : v }),
            ]
            for (name, epilogue, definition) in forms {
                let out = TensorStorage(count: count)
                for i in 0..<count { out.base[i] = y.base[i] }
                epilogue.apply(out.base, channels: o, plane: plane, images: 0..<2)
                for i in 0..<count where out.base[i].bitPattern != definition(y.base[i], i).bitPattern {
                    XCTFail("\(name), plane \(plane): element \(i) is \(out.base[i]), the definition gives \(definition(y.base[i], i))")
                    break
                }
            }
        }
    }
}
