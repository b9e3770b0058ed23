import XCTest
import Foundation
import TensorCore
import Layers
import Options
import TestSupport
@testable import Masks
@testable import Training

/// One short training run per sampler family through the real trainer, hashed: the final
/// weights (and a learned sampler's own tensors), every epoch's losses and accuracies, and the
/// hook's logs (`masks.csv`, the sampler's CSV files without wall times, `mask_analytics.csv`).
///
/// The expected hashes were produced by the code before the masking hook's redesign (one
/// sampler protocol with a default for every step point, wave 7; commit 01a2ced of main), so
/// the redesign provably changed no number of any family. A legitimate numeric change elsewhere
/// (a kernel, an optimiser) changes them too: regenerate with `MASKLAB_PRINT_GOLDEN=1` and say
/// why in the commit.
///
/// The bits depend on OpenBLAS's kernel set as well (in-process tests keep OpenBLAS's own
/// choice: *Prescott* on the Intel Xeon it does not recognise, *Cooperlake* on the AMD EPYC), so
/// the hashes are kept per kernel set. The SkylakeX/Cooperlake set was recorded in session 13 on
/// the EPYC with the code of `e4ed9ca` (the last commit whose CI passed) and matched by the code
/// after it; the same code under `OPENBLAS_CORETYPE=Prescott` on the EPYC gives the Prescott set
/// recorded on the Xeon, and `SkylakeX` gives the Cooperlake set; the Haswell/Zen set (AVX2)
/// was recorded there and then with `OPENBLAS_CORETYPE`. On a kernel set with no recorded
/// hashes the test skips, naming it.
final class SamplerGoldenTests: XCTestCase {
    override func setUp() { Parallel.setThreads(1) }

    /// (label, sampler, changes to its config).
    static var cases: [(String, String, (inout MaskConfig) throws -> Void)] { [
        ("none", "none", { _ in }),
        ("dropconnect", "dropconnect", { $0.evalMask = .expected }),
        ("dropconnect-exactk-gradients", "dropconnect", { $0.sampling = .exactK; $0.target = .gradients }),
        ("importance", "importance", { c in
            c.importance.steps = 3
            c.importance.refreshIterations = 5
            c.importance.batches = 2
            c.evalMask = .expected
        }),
        ("magnitude", "magnitude", { _ in }),
        ("magnitude-gradients", "magnitude", { $0.target = .gradients }),
        ("random", "random", { _ in }),
        ("set", "set", { $0.dst.updateEvery = 3 }),
        ("rigl", "rigl", { $0.dst.updateEvery = 3; $0.dst.density = .erk }),
        ("l1", "l1", { c in try flag(&c, "l1-lambda", "0.05"); try flag(&c, "l1-target-sparsity", "0.5") }),
        ("l0", "l0", { c in try flag(&c, "l0-lambda", "1") }),
        ("vd", "vd", { c in try flag(&c, "vd-kl-start", "0"); try flag(&c, "vd-kl-full", "1") }),
    ] }

    /// Expected hash per OpenBLAS kernel set (`BLASKernelChoice.current`), then per case label.
    static let expected: [String: [String: UInt64]] = {
        let prescott: [String: UInt64] = ["none": 0xbce58617d57bd63d, "dropconnect": 0xa3e5cb7fa456e630, "dropconnect-exactk-gradients": 0x9007c0e4250f1163, "importance": 0x37b324139dd23a54, "magnitude": 0x8c0493a98e8245ae, "magnitude-gradients": 0x1eba9fccaef1e084, "random": 0x76c244aebcbe2aa9, "set": 0x26c27c53ae5f9430, "rigl": 0x8ab8d2b7d5acfb1c, "l1": 0xf289b813cb549d95, "l0": 0x2394ed27542474bb, "vd": 0xc881d590891755c7]
        let skylakeX: [String: UInt64] = ["none": 0x9f6df0be2aaf1550, "dropconnect": 0xa4f0af290f67ad37, "dropconnect-exactk-gradients": 0x90494b63567dc946, "importance": 0xb467adbcf086188c, "magnitude": 0x3906bb620476613e, "magnitude-gradients": 0x1a1872a1ad9e9fb7, "random": 0x97fa3921ac9a16eb, "set": 0xc9d22b0cb41ab4ea, "rigl": 0x6bbd792534e62abb, "l1": 0x4ff56841b248ad69, "l0": 0x8ad60f63ac777037, "vd": 0xa88f4b837c99aea0]
        let haswell: [String: UInt64] = ["none": 0xaa1e7fe061c5d536, "dropconnect": 0x623617da8989b228, "dropconnect-exactk-gradients": 0x31d31c7d90be6810, "importance": 0xd8db99792da83df5, "magnitude": 0xb766a0b856a72319, "magnitude-gradients": 0xc686b0f20f223b95, "random": 0xc8819d0624bce32f, "set": 0xf599cf66b625b8a5, "rigl": 0x8e7cf604bac113a9, "l1": 0xd61455feb2fdc652, "l0": 0x76f0c4da396997a3, "vd": 0x684780e595326bcb]
        return ["Prescott": prescott, "SkylakeX": skylakeX, "Cooperlake": skylakeX, "Haswell": haswell, "Zen": haswell]
    }()

    /// Sets the mask option with command-line flag `name` (flags outlive config key renames).
    static func flag(_ config: inout MaskConfig, _ name: String, _ text: String) throws {
        let o = try XCTUnwrap(MaskConfig.options.first { $0.flag == name }, "no flag --\(name)")
        try o.writeText(&config, text)
    }

    func testEveryFamilyTrainsAsBeforeTheHookRedesign() throws {
        let printing = ProcessInfo.processInfo.environment["MASKLAB_PRINT_GOLDEN"] != nil
        let model = BLASKernelChoice.current
        let hashes = Self.expected.first { $0.key.lowercased() == model.lowercased() }?.value   // OpenBLAS spells them in either case
        if hashes == nil && !printing {
            throw XCTSkip("no golden hashes recorded for OpenBLAS's kernel set \(model) (known: \(Self.expected.keys.sorted().joined(separator: ", "))); "
                          + "record them with MASKLAB_PRINT_GOLDEN=1 at a commit whose numbers are known good")
        }
        var printed: [String] = []
        for (label, name, change) in Self.cases {
            var config = MaskConfig(name: name, keep: 0.4)
            try change(&config)
            let hash = try Self.runHash(config)
            printed.append("\(label): 0x\(String(hash, radix: 16))")
            if !printing {
                XCTAssertEqual(hash, hashes?[label], "\(label) on \(model): the run's numbers or logs changed (hash 0x\(String(hash, radix: 16)))")
            }
        }
        if printing { print("kernel set \(model)\n" + printed.joined(separator: "\n")) }
    }

    /// FNV-1a-64 of a 2-epoch run of `config` on the mask fixtures (seed 7, one thread).
    static func runHash(_ config: MaskConfig) throws -> UInt64 {
        let dir = TemporaryDirectory()
        let net = MaskFixtures.network()
        let splits = MaskFixtures.splits()
        let hook = try MaskingHook(config: config, network: net, trainingSet: splits.train)
        let result = try Trainer.run(config: MaskFixtures.config(epochs: 2), splits: splits, network: net,
                                     outputDirectory: dir.url, hooks: [hook])
        var h = FNV()
        h.add(floats: net.store.values.tensor(Shape(net.store.count)).toArray())
        h.add(floats: net.store.bufferValues.tensor(Shape(net.store.bufferValues.count)).toArray())
        if let own = hook.trainableParameters { h.add(floats: own.values.tensor(Shape(own.count)).toArray()) }
        for m in result.history {
            h.add(text: "\(m.epoch),\(m.iterations),\(m.samples),\(m.learningRate.bitPattern)")
            for x in [m.trainLoss, m.trainAccuracy, m.testLoss, m.testAccuracy] { h.add(text: String(x.bitPattern)) }
        }
        for file in [MaskingHook.countsFile, MaskAnalytics.fileName] + hook.sampler.logFiles {
            guard let text = try? String(contentsOf: dir.file(file), encoding: .utf8) else {
                h.add(text: "no \(file)")
                continue
            }
            h.add(text: file)
            h.add(text: withoutColumn("seconds", text))
        }
        return h.value
    }

    /// `csv` without the column named `column` (wall times differ between runs).
    static func withoutColumn(_ column: String, _ csv: String) -> String {
        let lines = csv.split(separator: "\n", omittingEmptySubsequences: false)
        guard let header = lines.first, let k = header.split(separator: ",").firstIndex(of: Substring(column)) else { return csv }
        return lines.map { line in
            var fields = line.split(separator: ",", omittingEmptySubsequences: false)
            if fields.count > k { fields.remove(at: k) }
            return fields.joined(separator: ",")
        }.joined(separator: "\n")
    }

    struct FNV {
        var value: UInt64 = 0xcbf2_9ce4_8422_2325
        mutating func add(byte: UInt8) {
            value ^= UInt64(byte)
            value = value &* 0x100_0000_01b3
        }
        mutating func add(floats: [Float]) { for x in floats { withUnsafeBytes(of: x.bitPattern.littleEndian) { for b in $0 { add(byte: b) } } } }
        mutating func add(text: String) { for b in text.utf8 { add(byte: b) }; add(byte: 0) }
    }
}
