import ArgumentParser
import Foundation
import Layers
import Datasets
import Training
import Experiments

/// `masklab eval`: loss and accuracy of a saved checkpoint.
struct EvalCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eval",
        abstract: "Evaluate a checkpoint on the test set (and optionally the training set).",
        discussion: """
        PATH is a run folder (its config.json and last.safetensors are used) or a .safetensors file \
        inside one. No mask is sampled at evaluation: the weights are used as saved, except that a \
        run trained with a per-step mask and evalMask "expected" is scored, as its trainer did, with \
        the expected mask restored from the checkpoint.
        """
    )

    @Argument(help: "A run folder or a checkpoint file in one.")
    var path: String

    @Option(name: .long, help: "Data folder (default: $MASKLAB_DATA, ./data or ../shared/data).")
    var data: String?

    @Flag(name: .long, help: "Also evaluate on the training set (no augmentation).")
    var train = false

    @Option(name: .long, help: "Threads, in [1, 4 × cores]. Default: all cores.")
    var threads: Int?

    func validate() throws {
        if let threads, !(1...TrainingConfig.maxThreads).contains(threads) {
            throw ValidationError("--threads must be in [1, \(TrainingConfig.maxThreads)] (4 × the cores), got \(threads)")
        }
    }

    @Flag(name: .long, help: "Print the result as JSON.")
    var json = false

    func run() throws {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw CommandFailure("\(path): no such run folder or checkpoint")
        }
        let folder = isDirectory.boolValue ? URL(fileURLWithPath: path, isDirectory: true) : URL(fileURLWithPath: path).deletingLastPathComponent()
        let layout = RunLayout(directory: folder)
        let checkpoint = isDirectory.boolValue ? layout.checkpoint : URL(fileURLWithPath: path)
        guard FileManager.default.fileExists(atPath: checkpoint.path) else {
            throw CommandFailure("\(checkpoint.path): no checkpoint (train with checkpoints enabled, e.g. --checkpoint-every 1)")
        }
        var config: RunConfig
        do { config = try RunConfig.load(from: layout.config) } catch {
            throw CommandFailure("\(error.description) (eval needs the run's config.json beside the checkpoint)")
        }
        config.validation = 0
        if let threads { config.training.threads = threads }
        let dataRoot: URL
        do { dataRoot = try DataLocator.resolve(explicit: data) } catch { throw CommandFailure(error.description) }
        let result: EvaluationResult
        do {
            result = try Evaluation.evaluate(config, checkpoint: checkpoint, dataRoot: dataRoot, includeTrain: train)
        } catch { throw CommandFailure(error.description) }
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            print(String(decoding: try encoder.encode(result), as: UTF8.self))
        } else {
            print("\(result.model) from \(checkpoint.path) (step \(result.step))")
            print(String(format: "test:  loss %.4f  accuracy %.4f  (%d samples)", result.testLoss, result.testAccuracy, result.testSamples))
            if let l = result.trainLoss, let a = result.trainAccuracy {
                print(String(format: "train: loss %.4f  accuracy %.4f  (%d samples)", l, a, result.trainSamples ?? 0))
            }
        }
    }
}
