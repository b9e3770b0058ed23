import ArgumentParser
import Foundation
import Datasets
import Masks
import Training
import Experiments

extension LotteryReset: ExpressibleByArgument {
    public init?(argument: String) { self.init(name: argument) }
}
extension LotterySelection: ExpressibleByArgument {}

/// `masklab lottery`: iterative magnitude pruning with resetting, and its controls.
struct LotteryCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lottery",
        abstract: "Find lottery tickets: iterative magnitude pruning with resetting, and its controls.",
        discussion: """
        Level 0 trains the dense network from θ0 (or the --transfer mask); each further level prunes \
        --prune of the surviving hidden weights and --prune-output of the output layer's (default half), \
        resets the survivors (--reset initial = θ0, rewind = θk with --rewind-iteration k, reinitialise = \
        a fresh init) and trains again with the same budget, seed and data order. --branches adds \
        controls per level: reinit (the level's mask from a fresh init) and random (a random mask with \
        the same per-layer counts). Without --config the training defaults to Frankle & Carbin's \
        LeNet-300-100 setting: Adam 1.2e-3, batch 60, 5000 validation images, 50 000 iterations. \
        Every level writes a run folder with mask.safetensors (PyTorch names, 0/1), sparsity.csv, \
        validation.csv (every --eval-every iterations) and level.json; finished levels are skipped \
        when the command is run again, and an interrupted level resumes from its checkpoint.
        """
    )

    @OptionGroup var options: TrainOptions
    @OptionGroup var location: LocationOptions

    @Option(name: .long, help: "Pruned levels after the dense level 0 (1 = one-shot). Default: 5.")
    var levels: Int = 5

    @Option(name: .long, help: "Share of surviving hidden weights pruned per level. Default: 0.2.")
    var prune: Double?

    @Option(name: .long, help: "Share of surviving output-layer weights pruned per level. Default: half of --prune.")
    var pruneOutput: Double?

    @Option(name: .long, help: "Instead of --prune: the share of hidden weights pruned after all levels; each level prunes 1 − (1 − r)^(1/levels).")
    var finalPruned: Double?

    @Option(name: .long, help: "layerwise (each layer loses the same share) or global (one threshold over the hidden layers). Default: layerwise.")
    var scope: MagnitudeScope = .layerwise

    @Option(name: .long, help: "magnitude (smallest |w| pruned) or random. Default: magnitude.")
    var selection: LotterySelection = .magnitude

    @Option(name: .long, help: "Where survivors restart: initial (θ0; also 'init'), rewind (θk) or reinitialise (also 'reinit'). Default: initial.")
    var reset: LotteryReset = .initial

    @Option(name: .long, help: "k of late resetting: θk is saved after k iterations of level 0. Default: 0.")
    var rewindIteration: Int = 0

    @Option(name: .long, help: "Evaluate the validation set every this many iterations (early-stopping point). Default: 100.")
    var evalEvery: Int = 100

    @Option(name: .long, help: ArgumentHelp("Controls per level: reinit, random; comma-separated.", valueName: "reinit,random"))
    var branches: String?

    @Option(name: .long, help: ArgumentHelp("Train the branches only at these levels (default: every pruned level).", valueName: "l1,l2,…"))
    var branchLevels: String?

    @Option(name: .long, help: "A mask file (mask.safetensors of another run) to train as level 0's mask.")
    var transfer: String?

    /// Frankle & Carbin's LeNet-300-100 training, for flags not given and no --config.
    func lotteryDefaults(_ c: RunConfig) -> RunConfig {
        guard options.config == nil else { return c }
        var c = c
        if options.optimizer == nil {
            c.training.optimizer = OptimizerConfig(name: "adam", learningRate: options.learningRate ?? 1.2e-3)
            c.training.optimizer.weightDecay = options.weightDecay
        }
        if options.schedule == nil { c.training.schedule = ScheduleConfig(name: "constant") }
        if options.batchSize == nil { c.training.batchSize = 60 }
        if options.epochs == nil && options.iterations == nil { c.training.budget = .iterations(50_000) }
        if options.validation == nil { c.validation = 5000 }
        return c
    }

    func lotteryConfig() throws -> LotteryConfig {
        var config = LotteryConfig(run: lotteryDefaults(try options.resolve()))
        config.levels = levels
        if prune != nil && finalPruned != nil { throw CommandFailure("give --prune or --final-pruned, not both") }
        if let finalPruned {
            guard levels >= 1, (0..<1).contains(finalPruned) else {
                throw CommandFailure("--final-pruned needs --levels ≥ 1 and a share in [0, 1), got \(finalPruned) over \(levels) levels")
            }
            config.pruneFraction = LotteryPruning.perLevelFraction(finalPruned: finalPruned, levels: levels)
        } else if let prune {
            config.pruneFraction = prune
        }
        config.outputFraction = pruneOutput
        config.scope = scope
        config.selection = selection
        config.reset = reset
        config.rewindIteration = rewindIteration
        config.evaluateEvery = evalEvery
        if let branches {
            config.branches = try branches.split(separator: ",").map { s in
                guard let b = LotteryBranch(rawValue: s.trimmingCharacters(in: .whitespaces)) else {
                    throw CommandFailure("unknown branch '\(s)'; valid branches: \(LotteryBranch.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                return b
            }
        }
        if let branchLevels {
            let parts = branchLevels.split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) }
            guard parts.allSatisfy({ $0 != nil }) else { throw CommandFailure("--branch-levels expects comma-separated levels such as 3,5; got '\(branchLevels)'") }
            config.branchLevels = parts.compactMap { $0 }
        }
        if let transfer {
            guard FileManager.default.fileExists(atPath: transfer) else { throw CommandFailure("--transfer \(transfer): no such mask file") }
            config.transfer = URL(fileURLWithPath: transfer).standardizedFileURL.path
        }
        if let message = config.validationError() { throw CommandFailure(message) }
        return config
    }

    func run() throws {
        let config = try lotteryConfig()
        let dataRoot: URL
        do { dataRoot = try DataLocator.resolve(explicit: location.data) } catch { throw CommandFailure(error.description) }
        let dir = location.out.map { URL(fileURLWithPath: $0, isDirectory: true) }
            ?? URL(fileURLWithPath: "results", isDirectory: true).appendingPathComponent("lottery-" + config.run.runName, isDirectory: true)
        let layout = LotteryLayout(directory: dir)
        let control = TrainingControl()
        let interrupt = InterruptHandler { control.requestStop(checkpoint: true) }
        defer { interrupt.cancel() }
        let outcome: LotteryRun.Outcome
        do {
            outcome = try LotteryRun.run(config, dataRoot: dataRoot, layout: layout, commandLine: CommandLine.arguments,
                                         control: control, log: { print($0) })
        } catch { throw CommandFailure(error.description) }
        if outcome.stopped {
            print("stopped; run the same command again to continue (finished levels are kept)")
            throw ExitCode(130)
        }
        print("lottery: \(outcome.results.count) trainings in \(layout.directory.path) (levels.csv, levels.svg)")
    }
}
