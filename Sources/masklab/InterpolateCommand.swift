import ArgumentParser
import Foundation
import Datasets
import Experiments

/// `masklab interpolate A B`: loss and accuracy along the straight line between two networks.
struct InterpolateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "interpolate",
        abstract: "Loss and accuracy along θ(α) = (1 − α)·A + α·B between two checkpoints of one model.",
        discussion: """
        A and B are run folders (their last.safetensors) or .safetensors files in run folders; the model \
        and data come from A's config.json (B may be a weights file with no config of its own, e.g. a \
        PyTorch state_dict). At each α BatchNorm running statistics are recomputed on the \
        training split (plain average of batch statistics, weights untouched). Writes interpolation.csv, \
        interpolation.svg and summary.json with two barriers for the loss and the error (1 − accuracy), \
        train and test, each the maximum over α in [0, 1] of the curve minus a reference: the mean of \
        its values at α = 0 and 1 (mean-of-ends, Frankle et al. 2020; positive for a path falling \
        steadily from one end to the other) or the straight line between them (linear, Entezari et \
        al. 2022; 0 for such a path). \
        `interpolate --recompute FOLDER` rewrites summary.json and interpolation.svg of an existing \
        interpolation folder from its interpolation.csv (nothing is evaluated; recomputed.txt records \
        the command and commit).
        """
    )

    @Argument(help: "Run folder or checkpoint of the first network (α = 0).")
    var a: String?

    @Argument(help: "Run folder or checkpoint of the second network (α = 1).")
    var b: String?

    @Option(name: .long, help: ArgumentHelp("Recompute summary.json and interpolation.svg of this interpolation folder from its interpolation.csv (no A, B; the other options do not apply).", valueName: "folder"))
    var recompute: String?

    @Option(name: .customLong("from"), parsing: .unconditional, help: "First α of the grid, default -0.2 (a negative value may follow the flag directly: --from -0.5).")
    var givenFrom: Double?
    var from: Double { givenFrom ?? -0.2 }

    @Option(name: .customLong("to"), parsing: .unconditional, help: "Last α of the grid, default 1.2.")
    var givenTo: Double?
    var to: Double { givenTo ?? 1.2 }

    @Option(name: .customLong("step"), parsing: .unconditional, help: "Grid step, default 0.1 (> 0; at most 10 001 points).")
    var givenStep: Double?
    var step: Double { givenStep ?? 0.1 }

    @Option(name: .long, help: "Use the first N training samples (BatchNorm statistics and train metrics). Default: all.")
    var trainSamples: Int?

    @Option(name: .long, help: "Use the first N test samples. Default: all.")
    var testSamples: Int?

    @Option(name: .long, help: "Threads. Default: the config's.")
    var threads: Int?

    @Option(name: .long, help: "Data folder (default: $MASKLAB_DATA, ./data or ../shared/data).")
    var data: String?

    @Option(name: .long, help: "Output folder. Default: results/interpolate-<A folder>-<B folder>.")
    var out: String?

    @Flag(name: .long, help: "Replace the results the output folder holds (refused without it).")
    var overwrite = false

    func validate() throws {
        if recompute != nil {
            guard a == nil, b == nil else { throw ValidationError("--recompute FOLDER reads the folder's own points: give no A and B") }
            // It evaluates nothing and writes into FOLDER: the grid, sample, thread, data and output options are refused, not ignored.
            try refuseInapplicable([("--from", givenFrom != nil), ("--to", givenTo != nil), ("--step", givenStep != nil), ("--train-samples", trainSamples != nil),
                                    ("--test-samples", testSamples != nil), ("--threads", threads != nil), ("--data", data != nil), ("--out", out != nil),
                                    ("--overwrite", overwrite)],
                                   to: "--recompute", because: "it rereads the folder's interpolation.csv and rewrites its summary in place")
            return
        }
        guard a != nil, b != nil else { throw ValidationError("need the two networks A and B (run folders or checkpoints), or --recompute FOLDER") }
        guard step > 0, to > from else { throw ValidationError("need --step > 0 and --to > --from, got \(from)…\(to) step \(step)") }
        guard from.isFinite, to.isFinite, step.isFinite, (to - from) / step <= 10_000 else {
            throw ValidationError("--from \(from) --to \(to) --step \(step) make " + String(format: "%.3g", (to - from) / step + 1)
                                  + " points; give finite values and at most 10 001 points (each is a full evaluation)")
        }
        let grid = Interpolation.grid(from: from, to: to, step: step)
        guard grid.contains(where: { $0 > 0 && $0 < 1 }) else {
            throw ValidationError("the grid \(from)…\(to) step \(step) has no point strictly between α = 0 and α = 1, so every barrier would be 0; use a smaller --step")
        }
        guard grid.contains(0), grid.contains(1) else {
            throw ValidationError("the grid \(from)…\(to) step \(step) must contain α = 0 and α = 1 (for the barrier); e.g. --from -0.2 --to 1.2 --step 0.1")
        }
        if let n = trainSamples, n < 1 { throw ValidationError("--train-samples must be ≥ 1, got \(n)") }
        if let n = testSamples, n < 1 { throw ValidationError("--test-samples must be ≥ 1, got \(n)") }
    }

    func run() throws {
        if let recompute {
            let summary: InterpolationRun.Summary
            do { summary = try InterpolationRun.recompute(URL(fileURLWithPath: recompute, isDirectory: true), commandLine: CommandLine.arguments) } catch {
                throw CommandFailure(error.description)
            }
            print(summary.report)
            print("→ \(recompute) (summary.json, interpolation.svg, recomputed.txt)")
            return
        }
        guard let a, let b else { preconditionFailure("validate() lets no run without A and B") }
        let dataRoot: URL
        do { dataRoot = try DataLocator.resolve(explicit: data) } catch { throw CommandFailure(error.description) }
        func name(_ p: String) -> String {
            let u = URL(fileURLWithPath: p)
            return u.pathExtension == "safetensors" ? u.deletingLastPathComponent().lastPathComponent : u.lastPathComponent
        }
        let dir = URL(fileURLWithPath: out ?? "results/interpolate-\(name(a))-\(name(b))", isDirectory: true)
        let summary: InterpolationRun.Summary
        do {
            summary = try InterpolationRun.run(a: a, b: b, alphas: Interpolation.grid(from: from, to: to, step: step), dataRoot: dataRoot,
                                               out: dir, trainSamples: trainSamples, testSamples: testSamples, threads: threads,
                                               overwrite: overwrite, commandLine: CommandLine.arguments, warn: { print($0) }) { p in
                print(String(format: "α %5.2f  train loss %.4f acc %.4f  test loss %.4f acc %.4f", p.alpha, p.trainLoss, p.trainAccuracy, p.testLoss, p.testAccuracy))
                fflush(nil)   // each point as it is computed, also into a file or pipe (Ctrl-C keeps what was printed)
            }
        } catch { throw runFailure(error) }
        print(summary.report)
        print("→ \(dir.path)")
    }
}
