import Foundation
import TensorCore

/// Start-up step of the `masklab` command: when OpenBLAS loaded weaker kernels than this CPU runs
/// (its Prescott fallback on a CPU model it does not know), re-execute the same command once with
/// `OPENBLAS_CORETYPE` set, since OpenBLAS only reads it when the library loads.
enum BLASKernelReexec {
    /// Replaces the process image with `/proc/self/exe` and the same arguments, with
    /// `OPENBLAS_CORETYPE` set to the better kernel set; returns (doing nothing) when there is no
    /// better set, the user chose one, `MASKLAB_BLAS_AUTO=0`, or `execv` fails.
    static func applyIfUseful() {
        guard let kernel = BLASKernelChoice.reexecKernel(environment: ProcessInfo.processInfo.environment) else { return }
        setenv(BLASKernelChoice.environmentKey, kernel, 1)
        let arguments = CommandLine.arguments
        var cArguments: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) }
        cArguments.append(nil)
        execv("/proc/self/exe", &cArguments)
        // execv only returns on failure: carry on with the kernels already loaded.
        unsetenv(BLASKernelChoice.environmentKey)
        for p in cArguments { free(p) }
    }
}
