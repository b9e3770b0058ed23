import XCTest
import TensorCore
import Stats
import TestSupport

/// `Winograd` reading its input and its output gradient through an `InputPrologue` (a BatchNorm
/// step applied plane by plane) against its plain twin, the separate pass (`Normalization.affine`,
/// `Normalization.inputGradient`, themselves checked against `Reference.batchNorm…` in
/// `NormalizationTests`) followed by the plain transform: the same bits, on odd and even maps,
/// one and two lanes, chunks of one image and whole.
final class InputPrologueTests: XCTestCase {
    override func setUp() { Parallel.setThreads(2) }
    override func tearDown() { Parallel.setThreads(2) }

    private func fill(_ p: UnsafeMutablePointer<Float>, _ count: Int, seed: UInt64, _ lo: Float = -1, _ hi: Float = 1) {
        let r = RandomStream(seed: seed)
        for i in 0..<count { p[i] = r.uniform(lo, hi) }
    }

    private func bits(_ p: UnsafePointer<Float>, _ count: Int) -> [UInt32] { (0..<count).map { p[$0].bitPattern } }

    func testProloguesGiveTheBitsOfTheSeparatePasses() {
        struct Case { let n, c, o, h, w: Int; let threads: Int; let budget: Int; let label: String }
        let cases = [
            Case(n: 4, c: 8, o: 6, h: 7, w: 9, threads: 2, budget: 64 << 20, label: "odd map, two lanes, whole"),
            // ≥ 256 tiles per image: chunks of one image (`Winograd.Plan.minimumTiles`).
            Case(n: 5, c: 12, o: 8, h: 32, w: 32, threads: 2, budget: 256, label: "even map, two lanes, chunks"),
            Case(n: 3, c: 8, o: 8, h: 33, w: 31, threads: 1, budget: 256, label: "odd map, one lane, chunks"),
        ]
        for t in cases {
            Parallel.setThreads(t.threads)
            let plan = Winograd.Plan(channels: t.c, outChannels: t.o, height: t.h, width: t.w, batch: t.n, threads: t.threads,
                                     budget: t.budget)
            XCTAssertEqual(plan.imagesPerChunk == 1, t.budget == 256, t.label)
            let inCount = t.n * t.c * t.h * t.w, outCount = t.n * t.o * t.h * t.w, wCount = t.o * t.c * 9
            // Inputs: h (the BatchNorm's input), dy, weights, the per-channel coefficients of the
            // input map (a, b of the BatchNorm before) and of the gradient map (mean, k, p, q, a, b after).
            let st = TensorStorage(count: inCount + 3 * outCount + wCount + 2 * t.c + 6 * t.o)
            let h = st.base, dy = h + inCount, y = dy + outCount, x2 = y + outCount, w = x2 + outCount
            let a = w + wCount, b = a + t.c, mean = b + t.c, k = mean + t.o, p = k + t.o, q = p + t.o
            let a2 = q + t.o, b2 = a2 + t.o
            fill(h, inCount, seed: 1); fill(dy, outCount, seed: 2); fill(y, outCount, seed: 3, -0.5, 1)
            fill(x2, outCount, seed: 4); fill(w, wCount, seed: 5); fill(a, t.c, seed: 6, -1.5, 1.5); fill(b, t.c, seed: 7, -0.5, 0.5)
            fill(mean, t.o, seed: 8, -0.2, 0.2); fill(k, t.o, seed: 9); fill(p, t.o, seed: 10); fill(q, t.o, seed: 11)
            fill(a2, t.o, seed: 12, -1.5, 1.5); fill(b2, t.o, seed: 13, -0.5, 0.5)
            let s = t.h * t.w
            let reluOf = Normalization.ReluOfAffine(scale: a, shift: b), reluOf2 = Normalization.ReluOfAffine(scale: a2, shift: b2)
            let ws = TensorStorage(count: plan.workspaceCount)
            let out = TensorStorage(count: 2 * outCount + 2 * inCount + 2 * wCount)
            let yFused = out.base, ySeparate = yFused + outCount, dxFused = ySeparate + outCount, dxSeparate = dxFused + inCount
            let dwFused = dxSeparate + inCount, dwSeparate = dwFused + wCount
            let mapped = TensorStorage(count: inCount + outCount), a1 = mapped.base, dh = a1 + inCount

            // Forward: conv(relu(a·h + b)).
            Winograd.forward(h, prologue: .reluOfAffine(reluOf), weight: w, bias: nil, plan: plan, batch: t.n,
                             workspace: ws.base, into: yFused)
            Normalization.affine(h, images: t.n, channels: t.c, plane: s, scale: a, shift: b, residual: nil, residualScale: nil,
                                 residualShift: nil, relu: true, into: a1)
            Winograd.forward(a1, weight: w, bias: nil, plan: plan, batch: t.n, workspace: ws.base, into: ySeparate)
            XCTAssertEqual(bits(yFused, outCount), bits(ySeparate, outCount), "forward, \(t.label)")
            XCTAssertTrue((0..<inCount).contains { a1[$0] == 0 } && (0..<inCount).contains { a1[$0] > 0 }, "the ReLU clips and passes")

            // Backward, with each kind of gradient map (ReLU output read, ReLU recomputed, none).
            let gradients: [(String, UnsafePointer<Float>?, Normalization.ReluOfAffine?)] = [
                ("ReLU output", UnsafePointer(y), nil), ("ReLU of affine", nil, reluOf2), ("no ReLU", nil, nil)]
            for (kind, reluOutput, reluOfOutput) in gradients {
                dwFused.update(repeating: 0.25, count: wCount); dwSeparate.update(repeating: 0.25, count: wCount)
                Winograd.backward(h, prologue: .reluOfAffine(reluOf), gradOutput: dy,
                                  gradientPrologue: .batchNormGradient(reluOutput: reluOutput, reluOf: reluOfOutput, input: x2,
                                                                       mean: mean, k: k, p: p, q: q),
                                  weight: w, weightGrad: dwFused, biasGrad: nil, plan: plan, batch: t.n, workspace: ws.base,
                                  gradInput: dxFused)
                Normalization.inputGradient(dy, reluOutput: reluOutput, reluOf: reluOfOutput, x2, mean: mean, images: t.n,
                                            channels: t.o, plane: s, k: k, p: p, q: q, into: dh)
                Winograd.backward(a1, gradOutput: dh, weight: w, weightGrad: dwSeparate, biasGrad: nil, plan: plan, batch: t.n,
                                  workspace: ws.base, gradInput: dxSeparate)
                XCTAssertEqual(bits(dxFused, inCount), bits(dxSeparate, inCount), "input gradient, \(kind), \(t.label)")
                XCTAssertEqual(bits(dwFused, wCount), bits(dwSeparate, wCount), "weight gradient, \(kind), \(t.label)")
                XCTAssertTrue((0..<wCount).contains { dwFused[$0] != 0.25 }, "the weight gradient was accumulated")
            }
            withExtendedLifetime((st, ws, out, mapped)) {}
        }
    }
}
