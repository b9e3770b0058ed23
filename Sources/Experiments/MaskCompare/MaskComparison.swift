import Foundation
import Masks
import Training

/// Several masks over the same tensors side by side (`masklab masks compare`): each mask's
/// density and effective density per tensor (`MaskAnalytics`), and the Jaccard overlap of every
/// pair per tensor and overall (`MaskOverlap`), as text, CSV and heat maps.
///
/// Every mask must hold the tensors of the first (same names and shapes); the first one that
/// differs is named.
public struct MaskComparison: Sendable {
    public var sources: [MaskSource]
    /// Short names of the sources for tables and plot axes (see `labels(for:)`).
    public var labels: [String]
    public var analytics: [MaskAnalytics]
    /// `overlaps[i][j]` for every pair i < j (nil on and below the diagonal).
    public var overlaps: [[MaskOverlap?]]

    /// The files `write(into:commandLine:)` creates.
    public static let densityFile = "density.csv", jaccardFile = "jaccard.csv"
    public static let overlapPlot = "overlap.svg", layerOverlapPlot = "overlap-layers.svg"

    public init(_ sources: [MaskSource], labels given: [String]? = nil) throws(MaskCompareError) {
        guard sources.count >= 2 else { throw .usage("masks compare needs at least two masks, got \(sources.count)") }
        if let given, let problem = Self.labelProblem(given, masks: sources.count) { throw .usage(problem) }
        let first = sources[0]
        for s in sources.dropFirst() {
            do { _ = try MaskOverlap(first.masks, s.masks) } catch { throw .mismatch(source: s.path, reference: first.path, difference: error) }
        }
        var analytics: [MaskAnalytics] = []
        for s in sources {
            do { analytics.append(try MaskAnalytics(s.masks, topology: s.topology)) } catch { throw .model(path: s.path, difference: error) }
        }
        var overlaps = [[MaskOverlap?]](repeating: [MaskOverlap?](repeating: nil, count: sources.count), count: sources.count)
        for i in sources.indices {
            for j in sources.indices where j > i {
                do { overlaps[i][j] = try MaskOverlap(sources[i].masks, sources[j].masks) } catch {
                    throw .mismatch(source: sources[j].path, reference: sources[i].path, difference: error)
                }
            }
        }
        self.sources = sources
        self.labels = given ?? Self.labels(for: sources.map(\.path))
        self.analytics = analytics
        self.overlaps = overlaps
    }

    /// Why `labels` cannot name `masks` masks (a count that differs, an empty or a repeated
    /// label), or nil: checked here and by `masks compare` before any mask is read.
    public static func labelProblem(_ labels: [String], masks: Int) -> String? {
        if labels.count != masks { return "--labels names \(counted(labels.count, "mask")), but \(masks) were given" }
        if let empty = labels.firstIndex(where: \.isEmpty) { return "--labels: label \(empty + 1) is empty" }
        if let twice = labels.first(where: { l in labels.filter { $0 == l }.count > 1 }) {
            return "--labels names \(twice) twice; the tables and plots need a distinct name per mask"
        }
        return nil
    }

    /// Short, distinct names for `paths`: without a trailing `/mask.safetensors`, `/last.safetensors`
    /// or `.safetensors`, and without the leading folders all of them share (`runs/s1/level_02`,
    /// `runs/s2/level_02` → `s1/level_02`, `s2/level_02`). When that leaves a name longer than
    /// `maxLength` characters (masks from different trees), each keeps only as many trailing
    /// folders as make the names distinct (`results/lottery-a/runs/seed-1/level_02`,
    /// `/tmp/b/seed-1/level_03` → `level_02`, `level_03`). Duplicates get `#k` appended.
    public static func labels(for paths: [String], maxLength: Int = 32) -> [String] {
        let parts: [[Substring]] = paths.map { p in
            var s = p
            while s.hasSuffix("/") && s.count > 1 { s.removeLast() }
            for suffix in ["/mask.safetensors", "/" + RunLayout.checkpointFile, ".safetensors"] where s.hasSuffix(suffix) {
                s.removeLast(suffix.count)
                break
            }
            return s.split(separator: "/")
        }
        var shared = 0
        while parts.allSatisfy({ $0.count > shared + 1 }), Set(parts.map { $0[shared] }).count == 1 { shared += 1 }
        var names = parts.map { $0.dropFirst(shared).joined(separator: "/") }
        if names.contains(where: { $0.count > maxLength }) {
            let longest = parts.map(\.count).max() ?? 1
            for k in 1...max(1, longest) {
                let tails = parts.map { $0.suffix(k).joined(separator: "/") }
                if Set(tails).count == tails.count || k == longest {
                    names = zip(names, tails).map { $1.count < $0.count ? $1 : $0 }
                    break
                }
            }
        }
        return names.enumerated().map { k, name in names.filter { $0 == name }.count > 1 ? "\(name) #\(k + 1)" : name }
    }

    /// The overall (`tensor` nil) or per-tensor Jaccard matrix, 1 on the diagonal.
    public func jaccardMatrix(tensor: Int? = nil) -> [[Double]] {
        sources.indices.map { i in
            sources.indices.map { j in
                guard i != j, let o = i < j ? overlaps[i][j] : overlaps[j][i] else { return 1 }
                return tensor.map { o.rows[$0].jaccard } ?? o.total.jaccard
            }
        }
    }

    /// The report printed on the terminal: the sources, density and effective density per
    /// tensor, the overall Jaccard matrix, and the Jaccard of every pair per tensor.
    public func text() -> String {
        let tensors = analytics[0].rows.map(\.name) + ["all"]
        let nameWidth = max(8, tensors.map(\.count).max() ?? 0) + 2
        let cellWidth = max(17, (labels.map(\.count).max() ?? 0) + 2)
        func pad(_ s: String, _ w: Int) -> String { s.padding(toLength: max(w, s.count + 1), withPad: " ", startingAt: 0) }
        var out = "masks:\n"
        for (label, s) in zip(labels, sources) {
            out += "  \(pad(label, cellWidth))\(s.file.path)  (model: \(s.model ?? "unknown: no config.json beside it, no --config"))\n"
        }
        out += "\ndensity / effective density (kept weights on an input–output path, Vysogorets & Kempe 2023; – without a model):\n"
        out += pad("tensor", nameWidth) + pad("entries", 11) + labels.map { pad($0, cellWidth) }.joined() + "\n"
        for (k, name) in tensors.enumerated() {
            let rows = analytics.map { k < $0.rows.count ? $0.rows[k] : $0.total }
            out += pad(name, nameWidth) + pad(String(rows[0].entries), 11)
            out += rows.map { r in pad(String(format: "%.4f / ", r.density) + (r.effectiveDensity.map { String(format: "%.4f", $0) } ?? "–"), cellWidth) }.joined() + "\n"
        }
        out += "\nJaccard overlap |A ∩ B| / |A ∪ B| of kept weights, all tensors:\n"
        out += pad("", cellWidth) + labels.map { pad($0, cellWidth) }.joined() + "\n"
        for (i, row) in jaccardMatrix().enumerated() {
            out += pad(labels[i], cellWidth) + row.map { pad(String(format: "%.4f", $0), cellWidth) }.joined() + "\n"
        }
        let pairs = sources.indices.flatMap { i in sources.indices.filter { $0 > i }.map { (i, $0) } }
        out += "\nJaccard overlap per tensor:\n"
        let pairWidth = max(12, pairs.map { labels[$0.0].count + labels[$0.1].count + 5 }.max() ?? 0)
        out += pad("tensor", nameWidth) + pairs.map { pad("\(labels[$0.0]) – \(labels[$0.1])", pairWidth) }.joined() + "\n"
        for (k, name) in tensors.enumerated() {
            out += pad(name, nameWidth) + pairs.map { i, j in
                let o = overlaps[i][j]
                let row = k < (o?.rows.count ?? 0) ? o?.rows[k] : o?.total
                return pad(String(format: "%.4f", row?.jaccard ?? .nan), pairWidth)
            }.joined() + "\n"
        }
        // The padding leaves spaces at the ends of the lines.
        return out.split(separator: "\n", omittingEmptySubsequences: false)
            .map { $0.replacingOccurrences(of: " +$", with: "", options: .regularExpression) }.joined(separator: "\n")
    }

    /// `source,tensor,entries,kept,density,effective_kept,effective_density` for every mask.
    public func densityCSV() -> String {
        var out = "source," + "tensor,entries,kept,density,effective_kept,effective_density\n"
        for (label, a) in zip(labels, analytics) {
            for line in a.csv().split(separator: "\n").dropFirst() { out += Self.field(label) + "," + line + "\n" }
        }
        return out
    }

    /// `first,second,tensor,intersection,union,jaccard` for every pair, per tensor and `all`.
    public func jaccardCSV() -> String {
        var out = "first,second,tensor,intersection,union,jaccard\n"
        for i in sources.indices {
            for j in sources.indices where j > i {
                guard let o = overlaps[i][j] else { continue }
                for r in o.rows + [o.total] {
                    out += "\(Self.field(labels[i])),\(Self.field(labels[j])),\(r.name),\(r.intersection),\(r.union),\(String(format: "%.6f", r.jaccard))\n"
                }
            }
        }
        return out
    }

    /// The heat map of the overall overlaps, axes naming the sources.
    public func overlapPlot() -> HeatMapPlot {
        var plot = HeatMapPlot(title: "Jaccard overlap of kept weights, all masked tensors", rowLabels: labels, columnLabels: labels,
                               panels: [.init(title: "all tensors", values: jaccardMatrix())])
        plot.subtitle = "|A ∩ B| / |A ∪ B| over the kept weights of each pair of masks"
        return plot
    }

    /// One heat map panel per tensor.
    public func layerOverlapPlot() -> HeatMapPlot {
        let names = analytics[0].rows.map(\.name)
        var plot = HeatMapPlot(title: "Jaccard overlap of kept weights per tensor", rowLabels: labels, columnLabels: labels,
                               panels: names.indices.map { .init(title: names[$0], values: jaccardMatrix(tensor: $0)) })
        plot.subtitle = "|A ∩ B| / |A ∪ B| over the kept weights of one tensor"
        return plot
    }

    /// The files a comparison writes, in the order `write` returns them.
    public static let files = [densityFile, jaccardFile, overlapPlot, layerOverlapPlot]

    /// Writes `density.csv`, `jaccard.csv`, `overlap.svg` and `overlap-layers.svg`, and
    /// `command.txt` (`commandLine`, where the masks came from), into `directory`, taken as a
    /// `RunFolder` (locked while it is written, each file replaced atomically). An earlier
    /// comparison's files there are replaced; a folder that another command writes (a run, a
    /// lottery, …) is refused (`.folder(.foreignFolder)`) before anything is written.
    /// A folder that holds other files and no earlier comparison is refused as a usage error
    /// (`--out .` would otherwise make the working folder a mask comparison's, which other
    /// commands then refuse to write into).
    public func write(into directory: URL, commandLine: [String]) throws(MaskCompareError) -> [URL] {
        if FolderOwner.writer(of: directory) == nil, let names = try? FileManager.default.contentsOfDirectory(atPath: directory.path) {
            let ours = Set(Self.files + [RunLayout.commandFile])
            let others = names.filter { !$0.hasPrefix(".") && !ours.contains($0) }.sorted()
            if !others.isEmpty {
                throw .usage("--out \(directory.path) holds other files (\(others.prefix(3).joined(separator: ", "))\(others.count > 3 ? ", …" : "")): "
                             + "a mask comparison writes a folder of its own; choose a new or empty --out (nothing was written)")
            }
        }
        let folder: RunFolder
        do {
            folder = try RunFolder.open(directory, commandLine: commandLine, results: Self.files, holds: "a mask comparison",
                                        reuse: .overwrite, choices: [], writer: "masks")
        } catch { throw .folder(error) }
        defer { folder.close() }
        do {
            try folder.writeCommand([("masks", sources.map(\.path).joined(separator: " "))])
            try folder.write(densityCSV(), to: Self.densityFile)
            try folder.write(jaccardCSV(), to: Self.jaccardFile)
            try folder.write(overlapPlot().svg(), to: Self.overlapPlot)
            try folder.write(layerOverlapPlot().svg(), to: Self.layerOverlapPlot)
        } catch { throw .folder(error) }
        return Self.files.map { folder.file($0) }
    }

    /// A CSV field, quoted when it holds a comma, quote or line break.
    private static func field(_ s: String) -> String {
        s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" }) ? "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : s
    }
}
