import Foundation

/// What a sweep's `sweep.csv` and `SWEEP.md` hold: `SweepReport` for training runs (final and
/// best accuracy per cell), `LotterySweepReport` for lottery runs (per cell and level). Neither
/// holds timings, so a sweep run by any executor writes the same bytes.
public protocol SweepTable: Sendable {
    /// `sweep.csv`.
    func csv() -> String
    /// `SWEEP.md`: the table, then every run with its folder and status.
    func markdown() -> String
}

extension SweepTable {
    /// Writes `sweep.csv` and `SWEEP.md`.
    public func write(to layout: SweepLayout) throws(SweepError) {
        do {
            try RunFolder.writeAtomically(Data(csv().utf8), to: layout.csv)
            try RunFolder.writeAtomically(Data(markdown().utf8), to: layout.report)
        } catch { throw .folder(error) }
    }
}
