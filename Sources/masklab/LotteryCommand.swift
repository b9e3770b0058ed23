import ArgumentParser
import Foundation
import Datasets
import Masks
import Training
import Experiments
import Options

/// `masklab lottery`: iterative magnitude pruning with resetting, and its controls.
struct LotteryCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lottery",
        abstract: "Find lottery tickets: iterative pruning (magnitude or another criterion) with resetting, and its controls.",
        discussion: """
        Level 0 trains the dense network from θ0 (the seed's initialisation, or --init-from FILE: a MaskLab \
        checkpoint or a PyTorch state_dict in safetensors) with the --transfer mask if given; each further level prunes \
        --prune of the surviving hidden weights and --prune-output of the output layer's (default half), \
        resets the survivors (--reset initial = θ0, rewind = θk with --rewind-iteration k, reinitialise = \
        a fresh init) and trains again with the same budget, seed and data order. --branches adds \
        controls per level: reinit (the level's mask from a fresh init) and random (a random mask with \
        the same per-layer counts). --criterion (old spelling --selection) chooses the weights every level \
        prunes: magnitude (IMP, the default), random, movement, movement-signed (from the level's start), \
        snip, grasp, obd, importance (on --criterion-batches training batches) or synflow (data-free, \
        --synflow-rounds); see `masklab prune --help`. The training takes MaskLab's defaults, as `train` does; Frankle & \
        Carbin's LeNet-300-100 setting (Adam 1.2e-3, batch 60, 5000 validation images, 50 000 iterations) \
        is experiments/lottery/lenet300-frankle.json (--config). --config also takes a lottery.json. \
        Every level writes a run folder with mask.safetensors (PyTorch names, 0/1), sparsity.csv, \
        validation.csv (every --eval-every iterations) and level.json; finished levels are skipped \
        when the command is run again, and an interrupted level resumes from its checkpoint.

        \(TrainOptions.help(LotteryConfig.table, defaults: LotteryConfig()))
        """
    )

    @OptionGroup var options: TrainOptions
    @OptionGroup var location: LocationOptions

    @Option(name: .long, help: "Instead of --prune: the share of hidden weights pruned after all levels; each level prunes 1 − (1 − r)^(1/levels).")
    var finalPruned: Double?

    /// The file (a lottery.json, or a run config whose keys become "run"), the flags, `--set`
    /// (a key without "run." that is a run key is read as one), then --final-pruned, --transfer and --init-from checks.
    func lotteryConfig() throws -> LotteryConfig {
        var options = self.options
        options.assignments = options.assignments.map { a in
            let key = String(a.prefix { $0 != "=" })
            return LotteryConfig.canonicalKey(key) + a.dropFirst(key.count)
        }
        var given: [String] = []
        var config = try options.resolve(LotteryConfig.table, defaults: LotteryConfig(), given: &given) { url in
            let value = try ConfigText.load(path: url.path)
            guard value.object?["run"] != nil else { return LotteryConfig(run: try RunConfig.load(from: url)) }
            var lottery = LotteryConfig()
            do throws(OptionError) { try LotteryConfig.table.apply(value, to: &lottery) } catch { throw UsageFailure("\(url.path): \(error.message)") }
            return lottery
        }
        if let finalPruned {
            if options.configFlags.contains(where: { $0 == "--prune" || $0.hasPrefix("--prune=") }) {
                throw UsageFailure("give --prune or --final-pruned, not both")
            }
            guard config.levels >= 1, (0..<1).contains(finalPruned) else {
                throw UsageFailure("--final-pruned needs --levels ≥ 1 and a share in [0, 1), got \(finalPruned) over \(config.levels) levels")
            }
            config.pruneFraction = LotteryPruning.perLevelFraction(finalPruned: finalPruned, levels: config.levels)
        }
        if let transfer = config.transfer {
            guard FileManager.default.fileExists(atPath: transfer) else { throw CommandFailure("--transfer \(transfer): no such mask file") }
            config.transfer = URL(fileURLWithPath: transfer).standardizedFileURL.path
        }
        if let initFrom = config.initFrom {
            guard FileManager.default.fileExists(atPath: initFrom) else { throw CommandFailure("--init-from \(initFrom): no such weights file") }
            config.initFrom = URL(fileURLWithPath: initFrom).standardizedFileURL.path
        }
        if let message = config.validationError() ?? config.run.unreadSettingError(given: given) { throw UsageFailure(message) }
        // θ0 is rewinding to k = 0: asked for by name (`--reset rewind`) it must say which k.
        if given.contains("reset") && config.reset == .rewind && config.rewindIteration == 0 && !given.contains("rewindIteration") {
            throw UsageFailure("--reset rewind resets to θk, the weights after k iterations of level 0: give --rewind-iteration k "
                                 + "(k = 0 is θ0, which --reset initial names)")
        }
        return config
    }

    func run() throws {
        // A lottery started by `sweep` stops when the sweep dies, and leaves Ctrl-C to it.
        let launchedByParent = ParentWatch.adopt()
        let config = try lotteryConfig()
        if options.printConfig {
            print(config.jsonText())
            return
        }
        let dataRoot: URL
        do { dataRoot = try DataLocator.resolve(explicit: location.data) } catch { throw CommandFailure(error.description) }
        let dir = location.out.map { URL(fileURLWithPath: $0, isDirectory: true) }
            ?? URL(fileURLWithPath: "results", isDirectory: true).appendingPathComponent("lottery-" + config.run.runName, isDirectory: true)
        let layout = LotteryLayout(directory: dir)
        let control = TrainingControl()
        // SIGUSR1: a Slurm task's batch shell passes on Slurm's warning before the time limit or a preemption.
        let interrupt = InterruptHandler(signals: launchedByParent ? [SIGTERM, SIGUSR1] : [SIGINT, SIGTERM, SIGUSR1]) {
            control.requestStop(checkpoint: true)
        }
        defer { interrupt.cancel() }
        let outcome: LotteryRun.Outcome
        do {
            outcome = try LotteryRun.run(config, dataRoot: dataRoot, layout: layout, commandLine: CommandLine.arguments,
                                         control: control, log: { print($0); fflush(nil) })   // one line per level, seen at once in a log file
        } catch { throw runFailure(error) }
        if outcome.stopped {
            print("stopped; run the same command again to continue (finished levels are kept)")
            throw ExitCode(130)
        }
        print(outcome.alreadyFinished
              ? "lottery: already finished, nothing trained: \(counted(outcome.results.count, "training")) read back in \(layout.directory.path) (levels.csv, levels.svg rewritten)"
              : "lottery: \(counted(outcome.results.count, "training")) in \(layout.directory.path) (levels.csv, levels.svg)")
    }
}
