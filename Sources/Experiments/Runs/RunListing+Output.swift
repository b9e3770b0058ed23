import Foundation

extension RunListing {
    /// One `--filter key=value`: `key` is a column (`columns`) or a dotted config key as in
    /// `config.json` (`seed`, `optimizer.learningRate`, `masks.keep`); numbers compare as numbers.
    public struct Filter: Sendable, Equatable {
        public let key: String, value: String

        /// Parses `key=value`.
        public init(parsing text: String) throws(RunError) {
            guard let eq = text.firstIndex(of: "="), eq != text.startIndex else {
                throw .config(path: "--filter", message: "expected key=value (e.g. status=completed or seed=1), got '\(text)'")
            }
            key = String(text[..<eq])
            value = String(text[text.index(after: eq)...])
        }

        /// Whether the run matches; nil when the run has no such key.
        func matches(_ entry: Entry, _ config: RunConfig) -> Bool? {
            // The EPOCHS column as the table shows it, done/planned: `epochs=2/2`.
            if key == "epochs", value.contains("/") { return value == (entry.plannedEpochs.map { "\(entry.epochs)/\($0)" } ?? String(entry.epochs)) }
            if let field = entry.field(key) {
                switch field {
                // The whole text, or for MASKS its first word as well (`masks=ticket` for "ticket 5").
                case let .text(s): return s == value || (key == "masks" && s.split(separator: " ").first.map(String.init) == value)
                case let .number(x): return x.map { Double(value) == $0 } ?? (value.isEmpty)
                }
            }
            guard let h = config.hparams.first(where: { $0.name == key }) else { return nil }
            switch h.value {
            case let .string(s): return s == value
            case let .number(x): return Double(value) == x
            case let .bool(b): return Bool(value) == b
            }
        }
    }

    /// A column's value: text, or a number (nil when the run has none yet).
    enum Field: Comparable {
        case text(String), number(Double?)

        static func < (a: Field, b: Field) -> Bool {
            switch (a, b) {
            case let (.text(x), .text(y)): return x < y
            case let (.number(x?), .number(y?)): return x < y
            case (.number(_?), .number(nil)): return true   // missing values last
            default: return false
            }
        }
    }

    /// The runs of `runs` that match every filter, sorted by `key` (ties by name; `descending`
    /// reverses the order, missing values still last). Throws for a key no column or config has.
    public static func select(_ runs: [(entry: Entry, config: RunConfig)], filters: [Filter], sortBy key: String = "name",
                              descending: Bool = false) throws(RunError) -> [Entry] {
        guard columns.contains(key) else {
            throw .config(path: "--sort", message: "unknown key '\(key)'; valid keys: \(columns.joined(separator: ", "))")
        }
        var selected = runs
        for f in filters {
            let results = selected.map { f.matches($0.entry, $0.config) }
            if !runs.isEmpty, runs.allSatisfy({ f.matches($0.entry, $0.config) == nil }) {
                throw .config(path: "--filter", message: "unknown key '\(f.key)'; use a column (\(columns.joined(separator: ", "))) "
                              + "or a config key as config.json spells it, dotted (e.g. seed, optimizer.learningRate, masks.keep)")
            }
            selected = zip(selected, results).filter { $0.1 == true }.map(\.0)
        }
        return selected.map(\.entry).sorted { a, b in
            let (x, y) = (a.field(key) ?? .text(""), b.field(key) ?? .text(""))
            if x == y { return a.name < b.name }
            if case .number(nil) = x { return false }
            if case .number(nil) = y { return true }
            return descending ? y < x : x < y
        }
    }

    // MARK: - Output

    /// An aligned table with a header line.
    public static func table(_ entries: [Entry]) -> String {
        let header = ["NAME", "MODEL", "DATASET", "MASKS", "STATUS", "EPOCHS", "FINAL", "BEST", "TIME"]
        let rows = entries.map { e in
            [e.name, e.model, e.dataset, e.masks, e.status + (e.pid.map { " (pid \($0))" } ?? ""),
             e.plannedEpochs.map { "\(e.epochs)/\($0)" } ?? String(e.epochs),
             accuracy(e.finalTestAccuracy), accuracy(e.bestTestAccuracy), duration(e.seconds)]
        }
        let widths = header.indices.map { c in ([header] + rows).map { $0[c].count }.max() ?? 0 }
        let numeric: Set<Int> = [5, 6, 7, 8]
        return ([header] + rows).map { row in
            row.indices.map { c in
                let pad = String(repeating: " ", count: widths[c] - row[c].count)
                return numeric.contains(c) ? pad + row[c] : row[c] + pad
            }.joined(separator: "  ").trimmingTrailingSpaces()
        }.joined(separator: "\n") + "\n"
    }

    /// CSV with a header; numbers unformatted, missing values empty.
    public static func csv(_ entries: [Entry]) -> String {
        var lines = ["name,model,dataset,masks,status,pid,epochs,planned_epochs,final_test_accuracy,best_test_accuracy,seconds"]
        for e in entries {
            let fields = [e.name, e.model, e.dataset, e.masks, e.status, e.pid.map { String($0) } ?? "", String(e.epochs),
                          e.plannedEpochs.map { String($0) } ?? "", e.finalTestAccuracy.map { String($0) } ?? "",
                          e.bestTestAccuracy.map { String($0) } ?? "", String(e.seconds)]
            lines.append(fields.map(csvField).joined(separator: ","))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// A JSON array of the entries (keys sorted; missing values left out).
    public static func json(_ entries: [Entry]) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return ((try? encoder.encode(entries)).map { String(decoding: $0, as: UTF8.self) } ?? "[]") + "\n"
    }

    private static func accuracy(_ x: Double?) -> String { x.map { String(format: "%.4f", $0) } ?? "-" }

    /// `12.3s`, `4m05s`, `2h03m`.
    static func duration(_ s: Double) -> String {
        if s < 60 { return String(format: "%.1fs", s) }
        let total = Int(s.rounded())
        if total < 3600 { return String(format: "%dm%02ds", total / 60, total % 60) }
        return String(format: "%dh%02dm", total / 3600, (total % 3600) / 60)
    }

    private static func csvField(_ s: String) -> String {
        s.contains(",") || s.contains("\"") ? "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : s
    }
}

extension RunListing.Entry {
    /// The value of column `key` (nil for an unknown column).
    func field(_ key: String) -> RunListing.Field? {
        switch key {
        case "name": return .text(name)
        case "model": return .text(model)
        case "dataset": return .text(dataset)
        case "masks": return .text(masks)
        case "status": return .text(status)
        case "epochs": return .number(Double(epochs))
        case "final": return .number(finalTestAccuracy)
        case "best": return .number(bestTestAccuracy)
        case "time": return .number(seconds)
        default: return nil
        }
    }
}

private extension String {
    func trimmingTrailingSpaces() -> String {
        var s = self
        while s.last == " " { s.removeLast() }
        return s
    }
}
