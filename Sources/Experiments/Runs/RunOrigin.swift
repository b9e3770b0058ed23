import Foundation

/// Where one invocation of a run ran, from its block of `command.txt`: what its bits depend on
/// besides the config (the code, the CPU model, the OpenBLAS kernel set).
public struct RunOrigin: Sendable, Equatable, CustomStringConvertible {
    /// The commit line's value, e.g. "64bb8bf767a2" or "64bb8bf767a2 (with uncommitted changes)".
    public var commit: String
    /// The machine line's value, e.g. "Linux 6.18 x86_64, AMD EPYC, 2 cores".
    public var machine: String
    /// The CPU model (the middle part of the machine line), e.g. "AMD EPYC".
    public var cpu: String
    /// The OpenBLAS configuration, e.g. "OpenBLAS 0.3.21 … Cooperlake MAX_THREADS=64".
    public var blas: String
    /// The narrow-layer Winograd kernels, "fused" or "chunked" (a block without the line ran
    /// before the fused kernel existed: "chunked").
    public var winograd: String
    /// The stride-2 convolution kernels, "direct" or "im2col" (a block without the line ran before
    /// the direct kernel existed: "im2col").
    public var strided: String

    public init(commit: String, machine: String = "unknown", cpu: String, blas: String, winograd: String = "chunked",
                strided: String = "im2col") {
        (self.commit, self.machine, self.cpu, self.blas, self.winograd, self.strided) = (commit, machine, cpu, blas, winograd, strided)
    }

    /// Reads one invocation block ("command: …\ncommit: …\nmachine: uname, CPU, N cores\nblas: …");
    /// a `corrected commit:` line takes the place of the commit line.
    public init(invocation block: String) {
        var values: [String: String] = [:]
        for line in block.split(separator: "\n") {
            guard let colon = line.firstIndex(of: ":") else { continue }
            let key = String(line[..<colon])
            if values[key] == nil { values[key] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces) }
        }
        let machine = (values["machine"] ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        self.init(commit: values["corrected commit"] ?? values["commit"] ?? "unknown", machine: values["machine"] ?? "unknown",
                  cpu: machine.count >= 2 ? machine[1] : "unknown", blas: values["blas"] ?? "unknown",
                  winograd: values["winograd"].flatMap { $0.split(separator: " ").first.map(String.init) } ?? "chunked",
                  strided: values["strided"].flatMap { $0.split(separator: " ").first.map(String.init) } ?? "im2col")
    }

    /// The current process's origin, its machine, CPU and kernels parsed back from
    /// `Provenance.text`'s lines as a `command.txt` written here would record them (so that they
    /// compare equal to recorded runs' whatever the CPU name holds: commas, spaces).
    public static var current: RunOrigin {
        let p = Provenance.current()
        var origin = RunOrigin(invocation: "command: masklab\n" + p.text)
        origin.commit = p.commit + (p.dirty ? " (with uncommitted changes)" : "")
        return origin
    }

    /// The invocation blocks of a `command.txt`, latest first.
    public static func invocations(_ commandText: String) -> [String] {
        commandText.components(separatedBy: "\n" + RunFolder.earlierInvocation + "\n").filter { $0.contains("command: ") }
    }

    /// The CPU model, the kernel set, (when fused) the narrow-layer Winograd kernels and (when
    /// direct) the stride-2 kernels: bits match only where all are the same.
    public var hardware: String {
        "\(cpu) · \(blas)" + (winograd == "fused" ? " · fused Winograd" : "") + (strided == "direct" ? " · direct stride 2" : "")
    }

    /// How `other`'s hardware differs from this one's, part by part, with what chooses each
    /// kernel switch: e.g. ["the stride-2 convolutions: direct there, im2col here (MASKLAB_DIRECT_STRIDED)"].
    /// Empty when `hardware` is the same.
    public func hardwareDifferences(from other: RunOrigin) -> [String] {
        var out: [String] = []
        if other.cpu != cpu { out.append("the CPU: \(other.cpu) there, \(cpu) here") }
        if other.blas != blas {
            out.append("OpenBLAS: \(other.blas) there, \(blas) here (OPENBLAS_CORETYPE chooses the kernel set; a version differs otherwise)")
        }
        if other.winograd != winograd {
            out.append("the narrow Winograd layers: \(other.winograd) there, \(winograd) here (MASKLAB_FUSED_WINOGRAD)")
        }
        if other.strided != strided {
            out.append("the stride-2 convolutions: \(other.strided) there, \(strided) here (MASKLAB_DIRECT_STRIDED)")
        }
        return out
    }

    /// `hardwareDifferences` from each of `others` (a run's invocations), each difference once,
    /// in order of first appearance.
    public func hardwareDifferences(fromAny others: [RunOrigin]) -> [String] {
        var out: [String] = []
        for other in others { for d in hardwareDifferences(from: other) where !out.contains(d) { out.append(d) } }
        return out
    }

    /// This process's `hardware` as a `command.txt` written here would record it (`current`).
    public static var currentHardware: String { current.hardware }

    /// The distinct `hardware` of every invocation in a `command.txt` (a run resumed on another
    /// machine has more than one), latest first.
    public static func hardwares(_ commandText: String) -> [String] {
        var seen = Set<String>()
        return invocations(commandText).map { RunOrigin(invocation: $0).hardware }.filter { seen.insert($0).inserted }
    }
    public var description: String { "commit \(commit) · \(hardware)" }
}
