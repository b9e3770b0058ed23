import ArgumentParser
import Foundation
import Datasets

/// `masklab data`: fetch, verify and extract datasets.
struct DataCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "data",
        abstract: "Fetch, verify and extract the datasets (\(DatasetRegistry.names.joined(separator: ", "))).",
        discussion: DatasetRegistry.definitions.map { "\($0.name): \($0.summary)." }.joined(separator: "\n"),
        subcommands: [Fetch.self, Verify.self, Extract.self]
    )

    /// Data folder and dataset name, shared by the subcommands.
    struct Target: ParsableArguments {
        @Argument(help: "Dataset: \(DatasetRegistry.names.joined(separator: ", ")).")
        var dataset: String

        @Option(name: .long, help: "Data folder (default: $MASKLAB_DATA, ./data or ../shared/data; fetch creates ./data).")
        var root: String?

        func validate() throws {
            guard DatasetRegistry.names.contains(dataset) else {
                throw ValidationError("unknown dataset '\(dataset)'; valid datasets: \(DatasetRegistry.names.joined(separator: ", "))")
            }
        }

        /// The folder to read from (it must exist).
        func existingRoot() throws -> URL {
            do { return try DataLocator.resolve(explicit: root) } catch { throw CommandFailure(error.description) }
        }
    }

    struct Fetch: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Download the official archives (or copy a local one) and check their MD5.",
            discussion: """
            Files already present with the official MD5 are kept. A file whose MD5 differs from the \
            official one is refused unless --accept-checksum-mismatch is given, and even then it must \
            pass the reader's format check. Each file is written as NAME.part in the data folder and \
            deleted on any failure. A download fails when no data arrives for --timeout seconds, when \
            fewer than --min-rate bytes/s arrive over any --timeout seconds, after --deadline seconds, \
            or as soon as the server announces or sends more than twice the official file's size.
            """)

        @OptionGroup var target: Target

        @Option(name: .long, help: "Base URL (http://, https://, file:// or a folder) holding the official file names, instead of the official site.")
        var mirror: String?

        @Option(name: .long, help: "A local archive (cifar-10-binary.tar.gz) or folder with the official files, instead of downloading.")
        var from: String?

        @Flag(name: .long, help: "Keep files whose MD5 is not the official one (and say so).")
        var acceptChecksumMismatch = false

        @Option(name: .long, help: "Seconds without data before a download fails; also the window over which --min-rate is averaged.")
        var timeout: Double = DownloadLimits().window

        @Option(name: .long, help: "Bytes per second a download must average over every --timeout seconds.")
        var minRate: Double = DownloadLimits().minimumRate

        @Option(name: .long, help: "Seconds a whole file may take, however fast it flows.")
        var deadline: Double = DownloadLimits().deadline

        func validate() throws {
            for (flag, value) in [("--timeout", timeout), ("--min-rate", minRate), ("--deadline", deadline)]
            where !(value.isFinite && value > 0) {
                throw ValidationError("\(flag) must be a positive number of \(flag == "--min-rate" ? "bytes per second" : "seconds"), got \(value)")
            }
        }

        func run() throws {
            let root = URL(fileURLWithPath: target.root ?? "data", isDirectory: true)
            let limits = DownloadLimits(window: timeout, minimumRate: minRate, deadline: deadline)
            // The progress line is redrawn in place on a terminal only; a log gets plain lines.
            let terminal = isatty(STDOUT_FILENO) != 0
            let clear = terminal ? "\r\u{1B}[2K" : ""
            let local = from != nil
            let downloader = DatasetDownloader(mirror: mirror, acceptChecksumMismatch: acceptChecksumMismatch, limits: limits) { event in
                switch event {
                case let .alreadyPresent(file, md5): print("\(file): present, md5 \(md5)")
                case let .started(file, source): print("\(file): \(local ? "copying" : "downloading") from \(source)")
                case let .progress(file, received, total):
                    if terminal {
                        let t = total.map { String(format: " of %.1f MB", Double($0) / 1e6) } ?? ""
                        print(String(format: "\r\u{1B}[2K%@: %.1f MB%@", file, Double(received) / 1e6, t), terminator: "")
                        fflush(nil)
                    }
                case let .verified(file, md5): print("\(clear)\(file): md5 \(md5) (official)")
                case let .checksumMismatchAccepted(file, expected, got):
                    print("\(clear)\(file): WARNING md5 \(got) is not the official \(expected); kept because of --accept-checksum-mismatch")
                }
            }
            do {
                let files = if let from {
                    try downloader.install(target.dataset, from: URL(fileURLWithPath: from), into: root)
                } else {
                    try downloader.fetch(target.dataset, into: root)
                }
                print("\(target.dataset): \(files.count) file(s) in \(root.path)")
            } catch { throw CommandFailure(error.description) }
        }
    }

    struct Verify: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Load a dataset, check counts, labels and class balance, and compare MD5s with the official files.")

        @OptionGroup var target: Target

        @Flag(name: .long, help: "Skip the MD5 checks (faster).")
        var noChecksums = false

        func run() throws {
            let root = try target.existingRoot()
            do {
                let report = try DatasetVerifier.verify(target.dataset, root: root, checksums: !noChecksums)
                print(report)
            } catch { throw CommandFailure(error.description) }
        }
    }

    struct Extract: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Unpack the archives (CIFAR-10 tarball → cifar-10-batches-bin/, MNIST .gz → raw IDX).")

        @OptionGroup var target: Target

        @Option(name: .long, help: "Destination folder (default: the data folder).")
        var to: String?

        func run() throws {
            let root = try target.existingRoot()
            do {
                let written = try DatasetVerifier.extract(target.dataset, root: root, to: to.map { URL(fileURLWithPath: $0, isDirectory: true) })
                for w in written { print(w) }
            } catch { throw CommandFailure(error.description) }
        }
    }
}
