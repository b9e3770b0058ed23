extension MaskTopology {
    /// Which units a mask leaves connected: `reached[g][u]` — some path of kept weights runs from
    /// the input to unit u of group g (forward pass; every input unit is reached);
    /// `leads[g][u]` — some path runs from it to the output (backward pass; every output unit
    /// leads). A unit is alive when both hold.
    public struct Liveness: Sendable, Equatable {
        public var reached: [[Bool]]
        public var leads: [[Bool]]

        public func alive(group: Int, unit: Int) -> Bool { reached[group][unit] && leads[group][unit] }
        /// Units of `group` that are not alive.
        public func deadUnits(group: Int) -> Int { zip(reached[group], leads[group]).reduce(0) { $0 + ($1.0 && $1.1 ? 0 : 1) } }
    }

    /// The liveness of every unit when the weight tensors keep the entries `kept[name]` (weights
    /// with no entry in `kept` are dense). A unit fed by several connections (a residual sum) is
    /// reached if any of them reaches it, and leads if any connection out of it leads.
    public func liveness(kept: [String: [Bool]]) -> Liveness {
        let last = groupSizes.count - 1
        var reached = groupSizes.map { [Bool](repeating: false, count: $0) }
        reached[0] = [Bool](repeating: true, count: groupSizes[0])
        for g in groupSizes.indices.dropFirst() {
            for c in connections where c.target == g {
                let mask = c.name.flatMap { kept[$0] }
                forEachKeptEntry(c, mask) { o, u in
                    if reached[c.source][u] { reached[g][o] = true }
                }
            }
        }
        var leads = groupSizes.map { [Bool](repeating: false, count: $0) }
        leads[last] = [Bool](repeating: true, count: groupSizes[last])
        for g in groupSizes.indices.reversed().dropFirst() {
            for c in connections where c.source == g {
                let mask = c.name.flatMap { kept[$0] }
                forEachKeptEntry(c, mask) { o, u in
                    if leads[c.target][o] { leads[g][u] = true }
                }
            }
        }
        return Liveness(reached: reached, leads: leads)
    }

    /// Per entry of the weight connection `c`: kept (by `mask`; nil = dense) and on an
    /// input–output path, i.e. its source unit is reached and its target unit leads to the output.
    /// (Given the kept entry, that is the same as both ends being alive.)
    public func effectiveEntries(_ c: Connection, mask: [Bool]?, liveness: Liveness) -> [Bool] {
        let count = c.shape.reduce(1, *)
        precondition(c.name != nil && (mask?.count ?? count) == count, "effective entries of \(c.name ?? "an identity"): \(mask?.count ?? -1) flags for \(c.shape)")
        let rows = c.shape[0], columns = c.shape[1], taps = count / max(rows * columns, 1)
        let perUnit = columns / groupSizes[c.source]
        var out = [Bool](repeating: false, count: count)
        for o in 0..<rows where liveness.leads[c.target][o] {
            for column in 0..<columns where liveness.reached[c.source][column / perUnit] {
                let base = (o * columns + column) * taps
                for e in base..<(base + taps) { out[e] = mask?[e] ?? true }
            }
        }
        return out
    }

    /// Calls `body(targetUnit, sourceUnit)` for every kept link of `c`: once per (output, input
    /// column) of a weight tensor with at least one kept tap (`mask` nil = all kept), once per
    /// unit of an identity.
    private func forEachKeptEntry(_ c: Connection, _ mask: [Bool]?, _ body: (_ target: Int, _ source: Int) -> Void) {
        guard c.name != nil else {
            for u in 0..<groupSizes[c.source] { body(u, u) }
            return
        }
        let count = c.shape.reduce(1, *)
        let rows = c.shape[0], columns = c.shape[1], taps = count / max(rows * columns, 1)
        let perUnit = columns / groupSizes[c.source]
        for o in 0..<rows {
            for column in 0..<columns {
                let base = (o * columns + column) * taps
                if let mask, !mask[base..<(base + taps)].contains(true) { continue }
                body(o, column / perUnit)
            }
        }
    }
}
