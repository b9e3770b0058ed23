#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The kernels this process computes with where the choice changes the bits: OpenBLAS's kernel
/// set (`BLASKernelChoice`), the narrow-layer Winograd kernel (`FusedWinograd`) and the stride-2
/// convolution kernel (`StridedConvolution`). The bits of a run depend on it as on the code, the
/// CPU model, the command, the seed and the thread count (`command.txt` records all of them);
/// a run resumed under another set goes on correctly, but from then on its bits differ from an
/// uninterrupted run's.
///
/// Checkpoints record it (`text`, e.g. "blas SkylakeX, winograd fused, strided direct") and a
/// resume compares it with the resuming process's (`differences`).
public struct KernelSet: Equatable, Sendable {
    /// OpenBLAS's kernel set, e.g. "SkylakeX".
    public var blas: String
    /// "fused" (`FusedWinograd`, AVX-512) or "chunked" (transform passes and GEMMs).
    public var winograd: String
    /// "direct" (`StridedConvolution`, AVX-512) or "im2col" (column matrices and GEMMs).
    public var strided: String

    public init(blas: String, winograd: String, strided: String) {
        (self.blas, self.winograd, self.strided) = (blas, winograd, strided)
    }

    /// This process's kernels, read now: plans made later choose by the same switches.
    public static var current: KernelSet {
        KernelSet(blas: BLASKernelChoice.current,
                  winograd: FusedWinograd.available && FusedWinograd.enabled ? "fused" : "chunked",
                  strided: FusedWinograd.available && StridedConvolution.enabled ? "direct" : "im2col")
    }

    /// The parts in order: name, value, and the environment variable that chooses it.
    var parts: [(name: String, value: String, variable: String)] {
        [("blas", blas, "OPENBLAS_CORETYPE"), ("winograd", winograd, "MASKLAB_FUSED_WINOGRAD"),
         ("strided", strided, "MASKLAB_DIRECT_STRIDED")]
    }

    /// "blas SkylakeX, winograd fused, strided direct".
    public var text: String { parts.map { "\($0.name) \($0.value)" }.joined(separator: ", ") }

    /// Reads `text`'s form back; nil for anything else (a damaged or unknown record).
    public init?(text: String) {
        var values: [String: String] = [:]
        for part in text.split(separator: ",", omittingEmptySubsequences: false) {
            let words = part.split(separator: " ")
            guard words.count == 2, values[String(words[0])] == nil else { return nil }
            values[String(words[0])] = String(words[1])
        }
        guard values.count == 3, let blas = values["blas"], let winograd = values["winograd"],
              let strided = values["strided"] else { return nil }
        self.init(blas: blas, winograd: winograd, strided: strided)
    }

    /// Each part in which this set differs from `saved`, as "strided direct in the checkpoint,
    /// im2col here (MASKLAB_DIRECT_STRIDED)"; empty when they are the same.
    public func differences(from saved: KernelSet) -> [String] {
        zip(saved.parts, parts).compactMap { old, new in
            old.value == new.value ? nil : "\(new.name) \(old.value) in the checkpoint, \(new.value) here (\(new.variable))"
        }
    }
}
