import Foundation

/// The realised numbers of kept entries over the steps of the epoch in progress (per tensor:
/// the sum; over all tensors: min and max), turned into `masks.csv` rows at the end of the epoch
/// and saved in checkpoints so that a resumed run logs what an uninterrupted one would.
struct KeptCounts {
    private(set) var steps = 0, lastIteration = -1
    private var sums: [Int] = []
    private var minTotal = Int.max, maxTotal = 0
    private(set) var loggedEpoch = -1

    init(tensors: Int = 0) { sums = [Int](repeating: 0, count: tensors) }

    /// Counts one step's kept entries per tensor.
    mutating func add(_ keptCounts: [Int], iteration: Int) {
        var total = 0
        for i in keptCounts.indices {
            sums[i] += keptCounts[i]
            total += keptCounts[i]
        }
        minTotal = min(minTotal, total)
        maxTotal = max(maxTotal, total)
        steps += 1
        lastIteration = iteration
    }

    /// The rows of epoch `epoch` (0-based, as the trainer counts; the rows count from 1, see
    /// `MaskLogRow.epochColumn`), one per tensor and one for all, then a fresh count.
    mutating func rows(epoch: Int, masks: MaskSet, file: String) -> [MaskLogRow] {
        let header = "iteration,epoch,tensor,entries,expected_kept,mean_kept,min_total_kept,max_total_kept,steps"
        var rows: [MaskLogRow] = []
        var entries = 0, expected = 0.0, sum = 0
        for i in masks.parameters.indices {
            let n = masks.parameters[i].shape.count
            entries += n
            expected += masks.expectedKeptCounts[i]
            sum += sums[i]
            rows.append(MaskLogRow(file: file, header: header, key: lastIteration, line:
                "\(lastIteration),\(epoch + 1),\(masks.parameters[i].name),\(n),\(format(masks.expectedKeptCounts[i])),\(format(Double(sums[i]) / Double(steps))),,,\(steps)"))
        }
        rows.append(MaskLogRow(file: file, header: header, key: lastIteration, line:
            "\(lastIteration),\(epoch + 1),all,\(entries),\(format(expected)),\(format(Double(sum) / Double(steps))),\(minTotal),\(maxTotal),\(steps)"))
        loggedEpoch = epoch
        steps = 0
        for i in sums.indices { sums[i] = 0 }
        minTotal = .max
        maxTotal = 0
        return rows
    }

    private func format(_ x: Double) -> String { String(format: "%.2f", x) }

    /// The counts as a checkpoint saves them: steps, last iteration, min, max, logged epoch, sums.
    var saved: [Int64] { ([steps, lastIteration, minTotal, maxTotal, loggedEpoch] + sums).map(Int64.init) }

    /// Restores `saved` (checked to have one sum per tensor).
    mutating func restore(_ v: [Int64], name: String) throws(MaskError) {
        guard v.count == sums.count + 5 else { throw .state("\(name) has \(v.count) entries, expected \(sums.count + 5)") }
        let n = v.map { Int($0) }, limit = 1 << 50   // far above any count; keeps the sums from overflowing
        guard (0...limit).contains(n[0]), n[1] >= -1, n[1] <= limit, n[2] >= 0, (0...limit).contains(n[3]),
              n[4] >= -1, n[4] <= limit, n[5...].allSatisfy({ (0...limit).contains($0) }) else {
            throw .state("\(name) holds a count outside 0...\(limit): \(n.prefix(8))")
        }
        (steps, lastIteration, minTotal, maxTotal, loggedEpoch) = (n[0], n[1], n[2], n[3], n[4])
        sums = Array(n[5...])
    }
}
