import ArgumentParser
import Foundation
import Experiments

/// `masklab runs [DIR]`: one line per run folder under DIR.
struct RunsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "runs",
        abstract: "List the run folders under a folder: model, data, masks, status, epochs, accuracy, time.",
        discussion: """
        Searches DIR recursively (hidden folders skipped) for run folders (a config.json of a run) and \
        reads only what they hold: config.json, summary.json, metrics.csv and the .lock file. STATUS is \
        completed, running (a live process holds the folder; its pid is shown), failed (the loss became \
        NaN/Inf) or interrupted (stopped or killed; `train --resume` continues it). EPOCHS is done/planned; \
        FINAL and BEST are test accuracies; TIME is the wall time spent training: \
        summary.json's total for a run that ended (steps past the last whole epoch included), the completed \
        epochs' for one running or cut off without a summary.
        """
    )

    @Argument(help: "The folder to search.")
    var directory: String = "results"

    @Option(help: ArgumentHelp("Sort by this column: \(RunListing.columns.joined(separator: ", ")).", valueName: "key"))
    var sort: String = "name"

    @Flag(help: "Sort in descending order (missing values stay last).")
    var descending = false

    @Option(help: ArgumentHelp("Keep runs whose column or config key (dotted, as in config.json: seed, masks.keep) equals the value (columns as the table shows them: epochs=2/2, masks=ticket for the first word); repeatable.", valueName: "key=value"))
    var filter: [String] = []

    @Flag(help: "Print a JSON array instead of the table.")
    var json = false

    @Flag(help: "Print CSV instead of the table.")
    var csv = false

    func validate() throws {
        if json && csv { throw ValidationError("choose one of --json and --csv") }
        guard RunListing.columns.contains(sort) else {
            throw ValidationError("--sort: unknown key '\(sort)'; valid keys: \(RunListing.columns.joined(separator: ", "))")
        }
    }

    func run() throws {
        let entries: [RunListing.Entry]
        let filters: [RunListing.Filter]
        do { filters = try filter.map { (text) throws(RunError) in try RunListing.Filter(parsing: text) } } catch { throw UsageFailure(error.description) }
        let found: [(entry: RunListing.Entry, config: RunConfig)]
        do { found = try RunListing.scan(URL(fileURLWithPath: directory)) { StandardStreams.error("warning: \($0)\n") } } catch { throw CommandFailure(error.description) }
        // An unknown --sort or --filter key is a wrong setting (64); reading the folders above is work (1).
        do { entries = try RunListing.select(found, filters: filters, sortBy: sort, descending: descending) } catch { throw UsageFailure(error.description) }
        if json {
            print(RunListing.json(entries), terminator: "")
        } else if csv {
            print(RunListing.csv(entries), terminator: "")
        } else if entries.isEmpty {
            print("no run folders under \(directory)" + (filter.isEmpty ? "" : " match \(filter.joined(separator: " "))"))
        } else {
            print(RunListing.table(entries), terminator: "")
        }
    }
}
