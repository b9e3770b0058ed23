import COpenBLAS

/// Which of OpenBLAS's kernel sets (its "core type") the process should use on this CPU.
///
/// OpenBLAS built with `DYNAMIC_ARCH` picks its kernels from the CPU model when the library is
/// loaded. A CPU model it does not know (e.g. a recent Xeon under OpenBLAS 0.3.21) gets the
/// generic *Prescott* (SSE3) kernels: ≈ 4× slower GEMM on a machine that has AVX-512. The only
/// way to choose is `OPENBLAS_CORETYPE` in the environment *before* the library loads, so the
/// `masklab` command re-executes itself once with it set (see ``reexecKernel(environment:)``).
///
/// Kernel sets round differently (FMA against separate multiply and add, other blockings), so
/// results are bit-identical for the same command, seed, thread count *and* kernel set; the
/// kernel set is part of every run's provenance (`blas:` in `command.txt`). Setting
/// `OPENBLAS_CORETYPE` yourself pins it (e.g. `Prescott` to reproduce a run on another CPU).
public enum BLASKernelChoice {
    /// The kernel set OpenBLAS runs with in this process (e.g. "Prescott", "Haswell", "SkylakeX").
    public static var current: String { String(cString: openblas_get_corename()) }

    /// Kernel sets in increasing order of the vector instructions they use; names OpenBLAS
    /// reports (lowercase) that are not listed count as "at least SkylakeX" when they are newer
    /// AVX-512 parts and are never replaced.
    static let generic: Set<String> = ["prescott", "core2", "penryn", "dunnington", "nehalem",
                                       "atom", "katmai", "coppermine", "northwood", "banias",
                                       "sandybridge", "bulldozer", "piledriver", "steamroller",
                                       "excavator", "opteron", "opteron_sse3", "barcelona", "bobcat"]
    static let avx2Only: Set<String> = ["haswell", "zen", "skylake"]

    /// The kernel set worth asking for instead of `current`, given what the CPU supports:
    /// "SkylakeX" on an AVX-512 CPU that got an older set, "Haswell" on an AVX2 + FMA CPU that got
    /// a pre-AVX2 set, otherwise nil (OpenBLAS's own choice stands).
    public static func better(than current: String, avx512: Bool, avx2FMA: Bool) -> String? {
        let name = current.lowercased()
        let isGeneric = generic.contains(name)
        if avx512 && (isGeneric || avx2Only.contains(name)) { return "SkylakeX" }
        if avx2FMA && isGeneric { return "Haswell" }
        return nil
    }

    /// The kernel set to ask for on this CPU in this process, or nil if OpenBLAS's choice stands.
    public static var recommended: String? {
        better(than: current, avx512: masklab_cpu_has_avx512() != 0, avx2FMA: masklab_cpu_has_avx2_fma() != 0)
    }

    /// The environment variable OpenBLAS reads its kernel set from at load time.
    public static let environmentKey = "OPENBLAS_CORETYPE"

    /// Whether a re-execution with ``environmentKey`` set would give this process better kernels:
    /// the variable is unset (an explicit choice, even an empty one, is respected), MaskLab's
    /// opt-out `MASKLAB_BLAS_AUTO=0` is absent, and ``recommended`` names a kernel set.
    /// Returns that kernel set.
    public static func reexecKernel(environment: [String: String]) -> String? {
        guard environment[environmentKey] == nil, environment["MASKLAB_BLAS_AUTO"] != "0" else { return nil }
        return recommended
    }
}
