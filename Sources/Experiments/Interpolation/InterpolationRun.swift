import Foundation
import TensorCore
import Layers
import Datasets
import Training

/// `masklab interpolate A B`: the path θ(α) = (1 − α)·A + α·B between two checkpoints of the same
/// model, written to a folder:
///
///     interpolation.csv   alpha,train_loss,train_accuracy,test_loss,test_accuracy
///     interpolation.svg   loss and accuracy against α, train and test, with the linear barriers
///     summary.json        barriers (`Interpolation.Barrier`), endpoints, samples, sources
///     command.txt         command line, commit, machine
///
/// `masklab interpolate --recompute FOLDER` rewrites `summary.json` and `interpolation.svg` of
/// such a folder from its `interpolation.csv` through the same `Summary` and `write` as a fresh
/// run, and records how in `recomputed.txt` (`command.txt`, the provenance of the numbers, stays).
public enum InterpolationRun {
    /// The files of the folder (its results).
    static let files = ["interpolation.csv", "interpolation.svg", "summary.json", "command.txt"]
    /// What `--recompute` writes beside them: its command line and commit.
    static let recomputedFile = "recomputed.txt"

    /// What `summary.json` holds.
    public struct Summary: Codable, Sendable, Equatable {
        public var a: String
        public var b: String
        public var model: String
        /// The dataset of A's config (nil in summaries written before it was recorded).
        public var dataset: String?
        /// The mean-of-ends barrier of the train and test loss (nats) under the names of the
        /// first summaries: `trainLossBarrier.meanOfEnds` and `testLossBarrier.meanOfEnds`.
        public var trainBarrier: Double
        public var testBarrier: Double
        /// Both barriers of the loss (nats) and of the error (1 − accuracy), train and test.
        public var trainLossBarrier: Interpolation.Barrier
        public var testLossBarrier: Interpolation.Barrier
        public var trainErrorBarrier: Interpolation.Barrier
        public var testErrorBarrier: Interpolation.Barrier
        /// What the barrier fields mean, for readers of the JSON (`Summary.definitions`).
        public var barrierDefinitions: [String: String]
        public var trainSamples: Int
        public var testSamples: Int
        public var points: [Interpolation.Point]

        static let definitions = [
            "meanOfEnds": "max over alpha in [0, 1] of f(alpha) - (f(0) + f(1))/2 (Frankle et al. 2020); positive on a path falling steadily from one end to the other",
            "linear": "max over alpha in [0, 1] of f(alpha) - [(1 - alpha) f(0) + alpha f(1)], the height above the straight line between the ends (Entezari et al. 2022); 0 or more",
            "meanOfEndsAlpha, linearAlpha": "the alpha where each is reached",
            "f": "trainLossBarrier/testLossBarrier: cross-entropy (nats); trainErrorBarrier/testErrorBarrier: error = 1 - accuracy",
            "trainBarrier, testBarrier": "the loss's meanOfEnds, under the names of the first summaries",
        ]

        /// The summary of `points` (the grid must contain α = 0 and 1), every barrier computed here.
        public init(a: String, b: String, model: String, dataset: String?, trainSamples: Int, testSamples: Int, points: [Interpolation.Point]) {
            let barriers = Interpolation.Barriers(points)
            self.a = a
            self.b = b
            self.model = model
            self.dataset = dataset
            trainLossBarrier = barriers.trainLoss
            testLossBarrier = barriers.testLoss
            trainErrorBarrier = barriers.trainError
            testErrorBarrier = barriers.testError
            trainBarrier = barriers.trainLoss.meanOfEnds
            testBarrier = barriers.testLoss.meanOfEnds
            barrierDefinitions = Self.definitions
            self.trainSamples = trainSamples
            self.testSamples = testSamples
            self.points = points
        }

        /// The lines the command prints: both barriers, named, for loss and error.
        public var report: String {
            func at(_ b: Interpolation.Barrier, _ unit: String) -> String { String(format: "%.4f%@ at α %.2f", b.linear, unit, b.linearAlpha) }
            return """
            mean-of-ends barrier: train \(String(format: "%.4f", trainBarrier)), test \(String(format: "%.4f", testBarrier)) nats \
            (max loss on α ∈ [0, 1] − mean of the end losses; Frankle et al. 2020)
            linear barrier (max on α ∈ [0, 1] of the curve − the straight line between its ends; Entezari et al. 2022):
              loss:  train \(at(trainLossBarrier, " nats")), test \(at(testLossBarrier, " nats"))
              error: train \(at(trainErrorBarrier, "")), test \(at(testErrorBarrier, "")) (error = 1 − accuracy)
            """
        }
    }
    /// A checkpoint and the config beside it: `path` is a run folder (its `last.safetensors`) or
    /// a `.safetensors` file in one (`WeightsSource.locate`); a file with no config beside it
    /// takes `fallback` (B takes A's: the model comes from A's config).
    public static func locate(_ path: String, fallback: RunConfig? = nil) throws(RunError) -> (config: RunConfig, checkpoint: URL) {
        let source = try WeightsSource.locate(path, fallback: fallback)
        return (source.config, source.file)
    }

    /// Evaluates the path between `a` and `b` on `alphas` (BatchNorm statistics recomputed at
    /// each α) with the model and data of `a`'s config, on the first `trainSamples`/`testSamples`
    /// samples of its training split and test set (all when nil), and writes the folder `out`
    /// (taken as a `RunFolder` once the inputs are checked; results already there are refused
    /// unless `overwrite`).
    public static func run(a: String, b: String, alphas: [Double], dataRoot: URL, out: URL, trainSamples: Int?, testSamples: Int?,
                           threads: Int?, overwrite: Bool = false, commandLine: [String],
                           warn: (String) -> Void = { _ in },
                           progress: (Interpolation.Point) -> Void = { _ in }) throws(RunError) -> Summary {
        let (configA, checkpointA) = try locate(a)
        let (configB, checkpointB) = try locate(b, fallback: configA)
        guard configA.training.model == configB.training.model, configA.training.modelOptions == configB.training.modelOptions else {
            // Name what differs (hidden 16 in A, 64 in B), not just the model's name, which may be the same.
            func architecture(_ c: RunConfig) -> RunConfig {
                var only = RunConfig()
                only.training.model = c.training.model
                only.training.modelOptions = c.training.modelOptions
                return only
            }
            let what = ConfigDiff.brief(saved: architecture(configA).jsonText(), requested: architecture(configB).jsonText(), savedIn: "in A", requestedIn: "in B")
            throw .config(path: b, message: "B's architecture differs from A's (\(what.isEmpty ? "\(configA.training.model) and \(configB.training.model)" : what)); "
                          + "interpolation needs the same architecture")
        }
        var config = configA
        config.augment = false
        config.masks = nil
        if let threads { config.training.threads = threads }
        let (network, splits, _) = try TrainingRun.materialise(config, dataRoot: dataRoot)
        Parallel.setThreads(config.training.threads)
        var read: [WeightsProvenance] = []
        func snapshot(_ url: URL, _ role: String) throws(RunError) -> WeightSnapshot {
            let (_, provenance) = try WeightsProvenance.reading(url, load: { () throws(RunError) -> Checkpoint.Contents in
                do throws(CheckpointError) { return try Checkpoint.load(from: url, into: network, optimizer: nil) } catch { throw .training(.checkpoint(error)) }
            }, contents: { $0 })
            if let warning = provenance.warning(role: role) { warn(warning) }
            read.append(provenance)
            return WeightSnapshot(network.store)
        }
        let wa = try snapshot(checkpointA, "A")
        let wb: WeightSnapshot
        do { wb = try snapshot(checkpointB, "B") } catch {
            // B without a config of its own was read as A's model: say so next to a tensor mismatch.
            guard (try? WeightsSource.locate(b)) == nil, error.description.contains("tensor '") else { throw error }
            let text = error.description, prefix = checkpointB.path + ": "
            throw .config(path: checkpointB.path, message: (text.hasPrefix(prefix) ? String(text.dropFirst(prefix.count)) : text)
                          + " (B has no config of its own, so it was read as A's model)")
        }
        let folder = try RunFolder.open(out, commandLine: commandLine, results: files, holds: "an interpolation", reuse: overwrite ? .overwrite : .refuse,
                                        choices: ["replace it with --overwrite", "choose another --out"], writer: "interpolate")
        defer { folder.close() }
        func head(_ d: Dataset, _ n: Int?) -> Dataset {
            guard let n, n < d.count else { return d }
            return d.subset(Array(0..<n), name: d.name)
        }
        for (asked, set, flag) in [(trainSamples, splits.train, "--train-samples"), (testSamples, splits.test, "--test-samples")] {
            if let asked, asked > set.count { warn("note: \(flag) \(asked) is more than the \(set.count) samples of \(set.name): all \(set.count) are used") }
        }
        let train = head(splits.train, trainSamples), test = head(splits.test, testSamples)
        let points = Interpolation.run(network: network, a: wa, b: wb, alphas: alphas, train: train, test: test,
                                       batchSize: config.training.evalBatchSize, progress: progress)
        let summary = Summary(a: checkpointA.path, b: checkpointB.path, model: network.name, dataset: config.training.dataset,
                              trainSamples: train.count, testSamples: test.count, points: points)
        try folder.write(([Interpolation.Point.csvHeader] + points.map(\.csvRow)).joined(separator: "\n") + "\n", to: files[0])
        try write(summary, a: name(checkpointA.path), b: name(checkpointB.path), to: folder)
        try folder.writeCommand([("A", read[0].text), ("B", read[1].text), ("data", dataRoot.path)])
        return summary
    }

    /// Writes what is computed from the points: `interpolation.svg` and `summary.json`; `a` and
    /// `b` name the ends in the plot. A fresh run and `recompute` both write through here.
    static func write(_ summary: Summary, a: String, b: String, to folder: RunFolder) throws(RunError) {
        let title = summary.dataset.map { "\(summary.model) on \($0)" } ?? summary.model
        try folder.write(Interpolation.svg(summary.points, title: title, a: a, b: b), to: files[1])
        // A loss can be NaN or ∞ far along an extrapolated path (a diverged network): written as
        // the strings "NaN", "Infinity", not refused (JSON has no such numbers).
        try folder.writeJSON(summary, to: files[2], nonFiniteAsStrings: true)
    }

    /// A checkpoint as the plot names it: its run folder when it is that folder's
    /// `last.safetensors`, relative to the current folder when under it.
    static func name(_ checkpoint: String) -> String {
        let url = URL(fileURLWithPath: checkpoint).standardizedFileURL
        let path = url.lastPathComponent == RunLayout.checkpointFile ? url.deletingLastPathComponent().path : url.path
        let here = URL(fileURLWithPath: FileManager.default.currentDirectoryPath).standardizedFileURL.path + "/"
        return path.hasPrefix(here) ? String(path.dropFirst(here.count)) : path
    }

    /// What `recompute` reads from an existing `summary.json` (the fields every version wrote).
    struct Recorded: Decodable {
        var a: String
        var b: String
        var model: String
        var dataset: String?
        var trainSamples: Int
        var testSamples: Int
    }

    /// Rewrites `summary.json` and `interpolation.svg` of the interpolation folder `folder` from
    /// its `interpolation.csv` and the endpoints, model and sample counts its `summary.json`
    /// records, through the same `Summary` and `write` as a fresh run: a folder written by an
    /// older version gets the barriers of this one without evaluating anything again.
    /// `interpolation.csv` and `command.txt` (the provenance of the numbers) are left as they
    /// are; `recomputed.txt` records `commandLine` and the commit that rewrote the rest.
    ///
    /// A summary without the dataset (written before it was recorded) takes it from the
    /// `config.json` beside A's checkpoint, looked for at the recorded path and, when the clone
    /// has moved since, at that path's trailing parts under the current folder
    /// (`/old/clone/results/x/level_00` → `results/x/level_00`); without one the plot's title is
    /// the model alone.
    public static func recompute(_ folder: URL, commandLine: [String]) throws(RunError) -> Summary {
        let points = try readPoints(folder.appendingPathComponent(files[0]))
        let summaryFile = folder.appendingPathComponent(files[2])
        let recorded: Recorded
        do { recorded = try JSONDecoder().decode(Recorded.self, from: try Data(contentsOf: summaryFile)) } catch {
            throw .config(path: summaryFile.path, message: "cannot read the endpoints, model and sample counts of the run: \(error)")
        }
        let alphas = points.map(\.alpha)
        guard alphas.contains(0), alphas.contains(1) else {
            throw .config(path: folder.appendingPathComponent(files[0]).path, message: "the grid \(alphas) lacks α = 0 or α = 1; no barrier can be computed")
        }
        let foundA = moved(recorded.a), foundB = moved(recorded.b)
        var dataset = recorded.dataset
        if dataset == nil, let foundA, let config = try? RunConfig.load(from: RunLayout(directory: URL(fileURLWithPath: foundA)).config) {
            dataset = config.training.dataset
        }
        let summary = Summary(a: recorded.a, b: recorded.b, model: recorded.model, dataset: dataset,
                              trainSamples: recorded.trainSamples, testSamples: recorded.testSamples, points: points)
        _ = try RunFolder.encodeJSON(summary, path: summaryFile.path)
        let output = try RunFolder.open(folder, commandLine: commandLine, results: [], holds: "an interpolation", reuse: .resume, choices: [], writer: "interpolate")
        defer { output.close() }
        try write(summary, a: foundA.map(name) ?? name(recorded.a), b: foundB.map(name) ?? name(recorded.b), to: output)
        try output.write("command: \(output.commandLine)\n"
                         + "what: summary.json and interpolation.svg recomputed from interpolation.csv (command.txt: the run that measured it)\n"
                         + Provenance.current().text + "\n", to: recomputedFile)
        return summary
    }

    /// The run folder of the checkpoint `path` if it still exists with its `config.json`, else
    /// the first of its trailing parts that exists so under the current folder; nil when none.
    static func moved(_ checkpoint: String) -> String? {
        let folder = URL(fileURLWithPath: checkpoint).deletingLastPathComponent().standardizedFileURL
        let parts = folder.pathComponents.filter { $0 != "/" }
        let candidates = [folder.path] + parts.indices.dropFirst().map { parts[$0...].joined(separator: "/") }
        return candidates.first { FileManager.default.fileExists(atPath: RunLayout(directory: URL(fileURLWithPath: $0)).config.path) }
    }

    /// The points of an `interpolation.csv` (its header as `Interpolation.Point.csvHeader`).
    static func readPoints(_ file: URL) throws(RunError) -> [Interpolation.Point] {
        let text: String
        do { text = try String(contentsOf: file, encoding: .utf8) } catch {
            throw .config(path: file.path, message: "cannot read the interpolation's points (is this an interpolation folder?): \(error.localizedDescription)")
        }
        let lines = text.split(separator: "\n", omittingEmptySubsequences: true).map(String.init)
        guard lines.first == Interpolation.Point.csvHeader else {
            throw .config(path: file.path, message: "line 1: expected the header \(Interpolation.Point.csvHeader), got \(lines.first ?? "an empty file")")
        }
        var points: [Interpolation.Point] = []
        for (i, line) in lines.enumerated().dropFirst() {
            let v = line.split(separator: ",", omittingEmptySubsequences: false).map { Double($0.trimmingCharacters(in: .whitespaces)) }
            guard v.count == 5, let alpha = v[0], let trainLoss = v[1], let trainAccuracy = v[2], let testLoss = v[3], let testAccuracy = v[4] else {
                throw .config(path: file.path, message: "line \(i + 1): expected 5 numbers (\(Interpolation.Point.csvHeader)), got \(line)")
            }
            points.append(Interpolation.Point(alpha: alpha, trainLoss: trainLoss, trainAccuracy: trainAccuracy, testLoss: testLoss, testAccuracy: testAccuracy))
        }
        return points
    }
}
