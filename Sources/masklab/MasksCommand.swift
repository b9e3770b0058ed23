import ArgumentParser
import Foundation
import Experiments

/// `masklab masks`: looking at pruning masks.
struct MasksCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "masks",
        abstract: "Look at pruning masks: density, effective density and overlaps.",
        subcommands: [MasksCompareCommand.self]
    )
}

/// `masklab masks compare A B …`: several masks side by side.
struct MasksCompareCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compare",
        abstract: "Compare masks: per-tensor density and effective density, pairwise Jaccard overlaps, heat maps.",
        discussion: """
        A mask is a masklab lottery level folder (its mask.safetensors), a mask .safetensors file (F32 0/1 \
        tensors under the weights' names), or the folder or last.safetensors of a run trained with \
        a fixed pruning mask (--mask prune, magnitude or random). Every mask must hold the same tensors with the same shapes as the first. \
        Effective density counts the kept weights that lie on a path from the input to the output \
        (Vysogorets & Kempe 2023); it needs the model, read from the config.json beside each mask, the \
        model.json of a masklab prune folder, or --config. Prints the tables and writes density.csv, jaccard.csv, overlap.svg (all tensors) and \
        overlap-layers.svg (one panel per tensor) into --out.
        """
    )

    @Argument(help: "Two or more masks: lottery level folders, mask files, or fixed-mask run folders or checkpoints.")
    var masks: [String]

    @Option(name: .long, help: "Run config describing the model, for masks without a config.json beside them (e.g. `masklab train --model mlp --hidden 300,100 --print-config > model.json`).")
    var config: String?

    @Option(name: .long, help: "Comma-separated names of the masks for the tables and plots. Default: their paths without the shared leading folders, or, when that leaves long names (masks from different trees), the shortest distinct trailing folders.")
    var labels: String?

    @Option(name: .long, help: "Output folder for the CSVs and heat maps.")
    var out: String = "mask-compare"

    /// `--labels` split at commas, each trimmed.
    var labelList: [String]? {
        labels.map { $0.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) } }
    }

    func validate() throws {
        guard masks.count >= 2 else { throw ValidationError("masks compare needs at least two masks, got \(masks.count)") }
        // The labels are checked before any mask is read.
        if let names = labelList, let problem = MaskComparison.labelProblem(names, masks: masks.count) { throw ValidationError(problem) }
    }

    func run() throws {
        if let config, !FileManager.default.fileExists(atPath: config) { throw CommandFailure("--config \(config): no such file") }
        let fallback = config.map { URL(fileURLWithPath: $0) }
        let names = labelList
        let comparison: MaskComparison
        let files: [URL]
        let directory = URL(fileURLWithPath: out, isDirectory: true)
        do {
            var sources: [MaskSource] = []
            for m in masks { sources.append(try MaskSource.load(m, fallbackConfig: fallback)) }
            comparison = try MaskComparison(sources, labels: names)
            files = try comparison.write(into: directory, commandLine: CommandLine.arguments)
        } catch {
            if case .usage = error { throw UsageFailure(error.description) }
            if case let .folder(run) = error { throw runFailure(run) }
            throw CommandFailure(error.description)
        }
        print(comparison.text(), terminator: "")
        print("\nwrote " + files.map(\.path).joined(separator: ", "))
    }
}
