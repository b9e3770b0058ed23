import XCTest
import TensorCore

/// The kernel set MaskLab asks OpenBLAS for: only ever an upgrade over a fallback, never over
/// OpenBLAS's own choice for a CPU it knows, and never against the user's explicit choice.
final class BLASKernelChoiceTests: XCTestCase {
    func testUpgradesOnlyFallbacksToWhatTheCPUCanRun() {
        // OpenBLAS 0.3.21 on a Xeon it does not know: Prescott; the CPU has AVX-512.
        XCTAssertEqual(BLASKernelChoice.better(than: "Prescott", avx512: true, avx2FMA: true), "SkylakeX")
        XCTAssertEqual(BLASKernelChoice.better(than: "Prescott", avx512: false, avx2FMA: true), "Haswell")
        XCTAssertNil(BLASKernelChoice.better(than: "Prescott", avx512: false, avx2FMA: false), "an SSE3-only CPU keeps Prescott")
        XCTAssertEqual(BLASKernelChoice.better(than: "Sandybridge", avx512: false, avx2FMA: true), "Haswell")
        XCTAssertEqual(BLASKernelChoice.better(than: "Haswell", avx512: true, avx2FMA: true), "SkylakeX")
        XCTAssertEqual(BLASKernelChoice.better(than: "Zen", avx512: true, avx2FMA: true), "SkylakeX", "Zen 4 reported as Zen by an older OpenBLAS")
        // OpenBLAS's own AVX-512 choices stand (the EPYC of sessions 1–3 got Cooperlake).
        for own in ["SkylakeX", "Cooperlake", "SapphireRapids"] {
            XCTAssertNil(BLASKernelChoice.better(than: own, avx512: true, avx2FMA: true), own)
        }
        XCTAssertNil(BLASKernelChoice.better(than: "Haswell", avx512: false, avx2FMA: true))
    }

    func testAnExplicitChoiceOrTheOptOutIsRespected() {
        XCTAssertNil(BLASKernelChoice.reexecKernel(environment: ["OPENBLAS_CORETYPE": "Prescott"]))
        XCTAssertNil(BLASKernelChoice.reexecKernel(environment: ["OPENBLAS_CORETYPE": ""]))
        XCTAssertNil(BLASKernelChoice.reexecKernel(environment: ["MASKLAB_BLAS_AUTO": "0"]))
        // Unset: whatever this CPU and this process's kernels call for (nil on a CPU OpenBLAS knows).
        XCTAssertEqual(BLASKernelChoice.reexecKernel(environment: [:]), BLASKernelChoice.recommended)
    }

    /// The reported kernel set is OpenBLAS's own (the name in its config string).
    func testCurrentIsTheNameInOpenBLASsConfig() {
        XCTAssertFalse(BLASKernelChoice.current.isEmpty)
        XCTAssertTrue(BLASInfo.openBLASConfig.contains(BLASKernelChoice.current), "\(BLASInfo.openBLASConfig) vs \(BLASKernelChoice.current)")
    }
}
