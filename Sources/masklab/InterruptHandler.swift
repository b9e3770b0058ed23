import Dispatch
import Foundation
import Experiments

/// Turns the first Ctrl-C (SIGINT), SIGTERM or other given signal (`train` adds SIGUSR1, Slurm's
/// warning before a time limit or preemption) into a graceful stop request; a second one exits at once.
/// A run started by `compare` or `sweep` listens to SIGTERM only (its parent forwards Ctrl-C to it
/// once) and ignores the terminal's SIGINT, which the parent also receives; it never exits on a
/// second signal, since a parent killed with -9 sends a burst of SIGTERMs (the kernel's
/// parent-death signal, once per parent thread the child is handed to as the threads end), and
/// the first one already stops the run after its step with a checkpoint.
final class InterruptHandler: @unchecked Sendable {
    private var sources: [DispatchSourceSignal] = []
    private var count = 0
    private let signals: [Int32]
    private let queue = DispatchQueue(label: "masklab.interrupts")

    /// `stopping` says what the first signal does. A second signal exits at once, after removing
    /// every folder in `TemporaryFolders`. All signals are handled on one serial queue, so two
    /// arriving together on different sources are counted one after the other.
    init(signals: [Int32] = [SIGINT, SIGTERM], stopping: String = "stopping after this step and writing a checkpoint",
         _ onInterrupt: @escaping @Sendable () -> Void) {
        self.signals = signals
        let child = !signals.contains(SIGINT)
        if child { signal(SIGINT, SIG_IGN) }
        for sig in signals {
            signal(sig, SIG_IGN)
            let s = DispatchSource.makeSignalSource(signal: sig, queue: queue)
            s.setEventHandler { [weak self] in
                guard let self else { return }
                // Two signals in quick succession may arrive as one event: `data` counts them.
                let before = self.count
                self.count += max(1, Int(s.data))   // the source lives as long as its handler (released by `cancel`)
                if before > 0 || (self.count > 1 && !child) {
                    if child { return }
                    TemporaryFolders.removeAll()
                    exit(130)
                }
                StandardStreams.error("\n" + Self.announcement(sig, child: child, stopping: stopping) + "\n")
                onInterrupt()
            }
            s.resume()
            sources.append(s)
        }
    }

    /// What the first `signal` does, in words: which signal came, and how to quit at once
    /// (a run started by `compare` or `sweep` has no second chance: see the type's comment).
    static func announcement(_ signal: Int32, child: Bool, stopping: String = "stopping after this step and writing a checkpoint") -> String {
        let name = signal == SIGINT ? "Ctrl-C (SIGINT)" : signal == SIGTERM ? "SIGTERM" : signal == SIGUSR1 ? "SIGUSR1" : "signal \(signal)"
        let again = signal == SIGINT ? "Ctrl-C again" : "send \(name) again"
        return "\(name) received: \(stopping)" + (child ? "" : " (\(again) to quit now)")
    }

    func cancel() {
        for s in sources { s.cancel() }
        for sig in Set(signals + [SIGINT, SIGTERM]) { signal(sig, SIG_DFL) }
    }
}
