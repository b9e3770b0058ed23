import XCTest
import Foundation
import TensorCore
import Layers
import TestSupport
@testable import Masks
@testable import Training

/// One epoch convention: `masks.csv`, `importance.csv` and `importance_histograms.csv` number
/// epochs as `metrics.csv` does (from 1, the epoch in progress at the row's iteration), and a
/// run resumed from a folder whose logs an older MaskLab wrote (from 0) renumbers them.
final class MaskLogEpochTests: XCTestCase {
    override func setUp() { Parallel.setThreads(1) }

    private static var mask: MaskConfig {
        var config = MaskConfig(name: "importance", keep: 0.4)
        config.importance.steps = 2
        config.importance.refreshIterations = 5
        config.importance.batches = 2
        return config
    }

    /// Trains 2 epochs of 8 iterations into `dir`, stopping after `stopAfter` when given,
    /// resuming when the folder holds a checkpoint.
    private func train(_ dir: URL, stopAfter: Int? = nil) throws {
        let net = MaskFixtures.network()
        let hook = try MaskingHook(config: Self.mask, network: net, trainingSet: MaskFixtures.splits().train)
        let resume = FileManager.default.fileExists(atPath: dir.appendingPathComponent("last.safetensors").path)
        _ = try Trainer.run(config: MaskFixtures.config(epochs: 2), splits: MaskFixtures.splits(), network: net, outputDirectory: dir,
                            callbacks: stopAfter.map { [StopAfter(iteration: $0)] } ?? [], hooks: [hook], resume: resume)
    }

    /// (iteration, epoch) of every data row of `file` in `dir`.
    private func rows(_ dir: TemporaryDirectory, _ file: String) throws -> [(iteration: Int, epoch: Int)] {
        try String(contentsOf: dir.file(file), encoding: .utf8).split(separator: "\n").dropFirst().map { line in
            let f = line.split(separator: ",", omittingEmptySubsequences: false)
            return (try XCTUnwrap(Int(f[0])), try XCTUnwrap(Int(f[MaskLogRow.epochColumn])))
        }
    }

    func testMaskLogsNumberEpochsAsMetricsCSV() throws {
        let dir = TemporaryDirectory("masklab-epochs")
        try train(dir.url)
        // metrics.csv: epoch number → iterations completed at its end.
        let metrics = try String(contentsOf: dir.file("metrics.csv"), encoding: .utf8).split(separator: "\n").dropFirst().map { line in
            let f = line.split(separator: ",")
            return (epoch: Int(f[0])!, end: Int(f[1])!)
        }
        XCTAssertEqual(metrics.map(\.epoch), [1, 2])
        func epoch(ofIteration i: Int) -> Int? { metrics.first { i < $0.end }?.epoch }

        let counts = try rows(dir, MaskingHook.countsFile)
        XCTAssertEqual(Set(counts.map(\.epoch)), [1, 2])
        for r in counts {
            XCTAssertEqual(metrics.first { $0.epoch == r.epoch }?.end, r.iteration + 1, "masks.csv row at iteration \(r.iteration): epoch \(r.epoch) ends elsewhere")
        }
        for file in [ImportanceDropConnect.statsFile, ImportanceDropConnect.histogramFile] {
            let refreshes = try rows(dir, file)
            XCTAssertEqual(Set(refreshes.map(\.iteration)), [0, 5, 10, 15], file)
            for r in refreshes { XCTAssertEqual(r.epoch, epoch(ofIteration: r.iteration), "\(file): iteration \(r.iteration)") }
        }
    }

    /// Stopped in epoch 2, its logs rewritten as an older MaskLab numbered them (from 0), then
    /// resumed: the files equal an uninterrupted run's, one convention throughout.
    func testResumeRenumbersTheLogsOfAnOlderMaskLab() throws {
        let whole = TemporaryDirectory("masklab-epochs-whole"), resumed = TemporaryDirectory("masklab-epochs-old")
        try train(whole.url)
        try train(resumed.url, stopAfter: 10)
        let files = [MaskingHook.countsFile, ImportanceDropConnect.statsFile, ImportanceDropConnect.histogramFile]
        for file in files {
            let lines = try String(contentsOf: resumed.file(file), encoding: .utf8).split(separator: "\n")
            let old = [String(lines[0])] + lines.dropFirst().map { line -> String in
                var f = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
                f[MaskLogRow.epochColumn] = String(Int(f[MaskLogRow.epochColumn])! - 1)
                return f.joined(separator: ",")
            }
            XCTAssertEqual(MaskLogRow.epochShift(firstRow: old[1].split(separator: ",")), 1, "\(file) now looks old")
            try (old.joined(separator: "\n") + "\n").write(to: resumed.file(file), atomically: true, encoding: .utf8)
        }
        try train(resumed.url)
        for file in files {
            let a = try rows(whole, file), b = try rows(resumed, file)
            XCTAssertEqual(b.map(\.epoch), a.map(\.epoch), "\(file): epochs after resuming an old folder")
            XCTAssertEqual(b.map(\.iteration), a.map(\.iteration), file)
        }
    }
}
