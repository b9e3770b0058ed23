import ArgumentParser
import Foundation
import Datasets
import Training
import Experiments
import Masks

/// `masklab train`: one training run.
struct TrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train a model and write its run folder.",
        discussion: """
        With no options, trains the default job (LeNet-300-100 on MNIST, 15 epochs, SGD with Nesterov \
        momentum and a cosine schedule; about 15 s of training on 2 cores (results/mlp-mnist: 13.7 s), ≥ 98% test accuracy). \
        Ctrl-C stops after the current step and writes a checkpoint; --resume continues from it and \
        ends with the same metrics as an uninterrupted run.

        \(TrainOptions.help(RunConfig.table, defaults: RunConfig.helpDefaults))
        """
    )

    @OptionGroup var options: TrainOptions
    @OptionGroup var location: LocationOptions

    @Flag(name: .long, help: "Continue from the run folder's last checkpoint (fresh start when there is none); the settings and data must be those the run started with.")
    var resume = false

    @Flag(name: .long, help: "Replace the run the output folder holds (without --resume or --overwrite an existing run is refused).")
    var overwrite = false

    @Option(name: .long, help: ArgumentHelp("Start from these weights instead of the seed's initialisation: a MaskLab checkpoint or a PyTorch state_dict saved with safetensors (names and shapes must match the model).", valueName: "file"))
    var initFrom: String?

    @Flag(name: .long, help: "Only the final summary, no per-epoch lines.")
    var quiet = false

    func validate() throws {
        if resume && overwrite { throw ValidationError("give --resume (continue the run) or --overwrite (replace it), not both") }
    }

    func run() throws {
        // A run started by `compare` stops when compare dies, and leaves Ctrl-C to compare.
        let launchedByCompare = ParentWatch.adopt()
        let config = try options.resolveRun()
        if options.printConfig {
            print(config.jsonText())
            return
        }
        let dataRoot: URL
        do { dataRoot = try DataLocator.resolve(explicit: location.data) } catch { throw CommandFailure(error.description) }
        let layout = location.out.map { RunLayout(directory: URL(fileURLWithPath: $0, isDirectory: true)) }
            ?? RunLayout(root: URL(fileURLWithPath: "results", isDirectory: true),
                         name: config.runName + (initFrom.map { "-from-" + URL(fileURLWithPath: $0).deletingPathExtension().lastPathComponent } ?? ""))
        let control = TrainingControl()
        // SIGUSR1: a Slurm task's batch shell passes on Slurm's warning before the time limit or a preemption.
        let interrupt = InterruptHandler(signals: launchedByCompare ? [SIGTERM, SIGUSR1] : [SIGINT, SIGTERM, SIGUSR1]) { control.requestStop(checkpoint: true) }
        defer { interrupt.cancel() }
        let display = ProgressDisplay(quiet: quiet)
        let result: TrainingResult
        do {
            result = try TrainingRun.run(config, dataRoot: dataRoot, layout: layout, commandLine: CommandLine.arguments,
                                         reuse: resume ? .resume : overwrite ? .overwrite : .refuse, callbacks: [display], control: control,
                                         note: display.note,
                                         announce: quiet ? nil : { print($0 + (initFrom.map { " · initial weights from \($0)" } ?? "")) },
                                         initFrom: initFrom.map { URL(fileURLWithPath: $0) })
        } catch { throw runFailure(error) }
        display.finish(result, layout: layout)
        if result.summary.status == .stopped {
            print("stopped at iteration \(result.progress.iteration); resume with the same command plus --resume")
            throw ExitCode(130)
        }
    }
}

extension RunConfig {
    /// The defaults `train --help` shows: the mask settings' too (they apply once --mask names a sampler).
    static var helpDefaults: RunConfig {
        var c = RunConfig()
        c.masks = MaskConfig()
        return c
    }
}
