import Foundation

/// A comparison's seeds for `SeedMachineGuard`: each seed with the run of every arm.
enum CompareMachineGuard {
    /// The seeds of `compare` in `layout` that would mix machines if the runs in `pending` trained
    /// on a machine of `hardware`, in seed order.
    static func conflicts(_ compare: CompareConfig, layout: CompareLayout, pending: [URL], hardware: String) -> [SeedMachineGuard.Conflict] {
        let seeds = compare.seeds.map { seed in
            (seed: seed, runs: compare.arms.map { SeedMachineGuard.Run(label: $0.name, layout: layout.run(arm: $0.name, seed: seed)) })
        }
        return SeedMachineGuard.conflicts(seeds, pending: pending, hardware: hardware)
    }
}
