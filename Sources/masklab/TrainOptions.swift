import ArgumentParser
import Foundation
import Masks
import Importance
import Training
import Experiments
import Options

/// The config of `train` and `lottery`, from one declaration per option.
///
/// swift-argument-parser's flags are static properties, so the config's flags are not declared
/// here one by one: every option is declared once in its config record's `options` table
/// (`RunConfig.options`, which gathers `TrainingConfig`, `OptimizerConfig`, `ScheduleConfig`,
/// `ModelOptions`, `MaskConfig` and each sampler's), and this group collects the arguments the
/// parser does not know (`configFlags`) and hands them to that table. The table also writes the
/// option list into the command's help (`help(_:defaults:)`), decodes config files and applies
/// `--set key.path=value`, so a flag, a file key and `--set` cannot disagree.
///
/// Order: the defaults (`RunConfig()`, the default job), then `--config`, then the flags, then
/// each `--set`.
struct TrainOptions: ParsableArguments {
    @Option(name: .long, help: "A config file: JSON, or YAML when it ends in .yaml/.yml (keys as in a run's config.json); flags given override it.")
    var config: String?

    @Option(name: .customLong("set"), help: ArgumentHelp("Set any config key, e.g. --set trainSubset=2000 or --set masks.importance.lambda=1 (repeatable; lists comma-separated; null clears an optional key).", valueName: "key.path=value"))
    var assignments: [String] = []

    @Flag(name: .long, help: "Print the resolved configuration (every key, defaults included) as JSON and exit.")
    var printConfig = false

    @Argument(parsing: .allUnrecognized, help: .hidden)
    var configFlags: [String] = []

    /// The help section listing every option of `table`, with its config key, default and range.
    static func help<Root>(_ table: OptionTable<Root>, defaults: Root) -> String {
        """
        The command's own options (--config, --set, --print-config, --out, --data and the rest) \
        are under OPTIONS, after USAGE at the end; the config options, one per setting, come first.

        CONFIG OPTIONS (each flag sets the config key below it; --set KEY=VALUE sets any key; --print-config shows them all):
        \(table.helpText(defaults: defaults))
        """
    }

    /// `defaults`, then the config file, then the flags, then each `--set`; `load` reads the file.
    /// `given` receives the keys the flags and `--set` gave, in order. Every refusal here — a flag,
    /// a `--set`, the config file's contents — is a `UsageFailure` (exit status 64); a missing
    /// config file is a `CommandFailure` (1).
    func resolve<Root>(_ table: OptionTable<Root>, defaults: Root, given: inout [String], load: (URL) throws -> Root) throws -> Root {
        var c = defaults
        if let config {
            do { c = try load(URL(fileURLWithPath: config)) } catch { throw configFailure(config, "\(error)") }
        }
        do throws(OptionError) {
            given = try table.parse(arguments: configFlags, into: &c)
            for a in assignments { given.append(try table.set(a, in: &c)) }
        } catch { throw UsageFailure(error.message) }
        if let conflict = table.exclusiveConflict(given) { throw UsageFailure(conflict) }
        return c
    }

    /// The run config of `masklab train`.
    func resolveRun() throws -> RunConfig {
        var fileHasMasks = false, given: [String] = []
        let c = try resolve(RunConfig.table, defaults: RunConfig(), given: &given) { url throws(RunError) in
            let r = try RunConfig.load(from: url)
            fileHasMasks = r.masks != nil
            return r
        }
        if !fileHasMasks, c.masks != nil, !namesMask {
            throw UsageFailure("mask options need --mask NAME (or a config file with \"masks\")")
        }
        if let message = c.validationError() ?? c.unreadSettingError(given: given) { throw UsageFailure(message) }
        return c
    }

    /// Whether the command line names a sampler (`--mask X`, `--mask=X` or `--set masks.name=X`).
    private var namesMask: Bool {
        configFlags.contains { $0 == "--mask" || $0.hasPrefix("--mask=") } || assignments.contains { $0.hasPrefix("masks.name=") }
    }
}

/// Where data and results go.
struct LocationOptions: ParsableArguments {
    @Option(name: .long, help: "Data folder (default: $MASKLAB_DATA, ./data or ../shared/data).")
    var data: String?

    @Option(name: .long, help: "Run folder (default: results/<model>-<dataset>-<hash of the non-default settings>; lottery: results/lottery-<model>-<dataset>-<hash>).")
    var out: String?
}
