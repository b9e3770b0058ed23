import Foundation

/// How far the importance solver moved w in each importance arm of a comparison, from the
/// diagnostic columns of the runs' `importance.csv` (every refresh, every masked tensor, every
/// seed): KL(w_final ‖ w₀), φ before → after on the solve's batches and on the held-out batch,
/// and the shares of weights at p = 1 and at p = p_min. Runs written before these columns
/// existed are left out.
enum CompareSolverDiagnostics {
    /// One row per importance arm with logs; nil when no arm has the columns.
    static func markdown(_ compare: CompareConfig, layout: CompareLayout) -> String? {
        var out = "| arm | steps, η, normalisation | rows | KL(w_final ‖ w₀) mean [min, max] | φ solve: before → after | "
            + "φ held-out: before → after | rows where φ rose (solve / held-out) | share at p = 1 | share at p_min |\n"
        out += "|---|---|---|---|---|---|---|---|---|\n"
        var any = false
        for arm in compare.arms where arm.config.masks?.name == "importance" {
            var rows: [[String: Double]] = []
            for seed in compare.seeds {
                rows += read(layout.run(arm: arm.name, seed: seed).directory.appendingPathComponent("importance.csv"))
            }
            guard !rows.isEmpty, let i = arm.config.masks?.importance else { continue }
            any = true
            func values(_ k: String) -> [Double] { rows.compactMap { $0[k] }.filter(\.isFinite) }
            func mean(_ k: String) -> String {
                let v = values(k)
                return v.isEmpty ? "—" : String(format: "%.4g", v.reduce(0, +) / Double(v.count))
            }
            func rose(_ before: String, _ after: String) -> Int {
                rows.filter { r in (r[after] ?? .nan) > (r[before] ?? .infinity) }.count
            }
            let kl = values("kl_from_start")
            out += "| \(arm.name) | \(i.steps), \(i.eta), \(i.normalisation.rawValue) | \(rows.count) | "
            out += "\(mean("kl_from_start")) [\(String(format: "%.3g", kl.min() ?? .nan)), \(String(format: "%.3g", kl.max() ?? .nan))] | "
            out += "\(mean("phi_solve_before")) → \(mean("phi_solve_after")) | \(mean("phi_heldout_before")) → \(mean("phi_heldout_after")) | "
            out += "\(rose("phi_solve_before", "phi_solve_after")) / \(rose("phi_heldout_before", "phi_heldout_after")) | "
            out += "\(mean("share_p1")) | \(mean("share_pmin")) |\n"
        }
        return any ? out : nil
    }

    /// The diagnostic columns of one `importance.csv` per row; empty when missing or older.
    static func read(_ url: URL) -> [[String: Double]] {
        guard let text = try? String(contentsOf: url, encoding: .utf8) else { return [] }
        let lines = text.split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
        guard let header = lines.first, header.contains("kl_from_start") else { return [] }
        let keys = ["kl_from_start", "phi_solve_before", "phi_solve_after", "phi_heldout_before", "phi_heldout_after", "share_p1", "share_pmin"]
        return lines.dropFirst().map { line in
            var row: [String: Double] = [:]
            for k in keys { if let c = header.firstIndex(of: k), c < line.count, let v = Double(line[c]) { row[k] = v } }
            return row
        }
    }
}
