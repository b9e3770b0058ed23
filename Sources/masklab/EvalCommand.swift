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
        PATH is a run folder (its config.json and last.safetensors are used), a .safetensors file \
        inside one, or any safetensors file of weights under PyTorch state_dict names (e.g. written by \
        safetensors.torch.save_file(model.state_dict(), FILE)) with --config describing the model. No mask is sampled at evaluation: the weights are used as saved, except that a \
        run trained with a per-step mask and evalMask "expected" is scored, as its trainer did, with \
        the expected mask restored from the checkpoint.
        """
    )

    @Argument(help: "A run folder, a checkpoint file in one, or a safetensors state_dict (with --config).")
    var path: String

    @Option(name: .long, help: "Run config describing the model and data (default: config.json beside the weights, or the \"run\" block of a lottery.json beside them, as for a lottery's init.safetensors).")
    var config: String?

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
        let source: WeightsSource
        do { source = try WeightsSource.locate(path, config: config) } catch { throw CommandFailure(error.description) }
        let checkpoint = source.file
        // As importance, prune and interpolate do: say when the weights are not a finished run's
        // (on stderr, so that --json output stays clean). The checkpoint's position is in the result.
        if let warning = WeightsProvenance.facts(checkpoint).warning(role: "the weights", recorded: false) {
            StandardStreams.error(warning + "\n")
        }
        var config = source.config
        config.validation = 0
        if let threads { config.training.threads = threads }
        let dataRoot: URL
        do { dataRoot = try DataLocator.resolve(explicit: data) } catch { throw CommandFailure(error.description) }
        let result: EvaluationResult
        do {
            result = try Evaluation.evaluate(config, checkpoint: checkpoint, dataRoot: dataRoot, includeTrain: train)
        } catch { throw runFailure(error) }
        if result.maskIgnored == true {
            StandardStreams.error("warning: \(checkpoint.path) was trained with masks, but the config used here has none: scored without "
                                  + "any mask (its run's own config.json evaluates it with the mask its eval setting names)\n")
        }
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            print(String(decoding: try encoder.encode(result), as: UTF8.self))
        } else {
            print("\(result.model) from \(checkpoint.path) (\(result.format == "state_dict" ? "plain state_dict" : "step \(result.step)"))")
            print(String(format: "test:  loss %.4f  accuracy %.4f  (%d samples)", result.testLoss, result.testAccuracy, result.testSamples))
            if let l = result.trainLoss, let a = result.trainAccuracy {
                print(String(format: "train: loss %.4f  accuracy %.4f  (%d samples)", l, a, result.trainSamples ?? 0))
            }
        }
    }
}
