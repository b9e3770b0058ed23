import COpenBLAS

/// Facts about the BLAS the process is using.
public enum BLASInfo {
    /// OpenBLAS's build configuration string (e.g. "OpenBLAS 0.3.21 DYNAMIC_ARCH NO_AFFINITY Zen MAX_THREADS=64").
    public static var openBLASConfig: String { String(cString: openblas_get_config()) }

    /// The shared object that the process's global symbol lookup binds `symbol` to
    /// (`dlsym` + `dladdr`), e.g. ".../libopenblas.so.0" for `cblas_sgemm`; nil if not found.
    public static func library(definingSymbol symbol: String = "cblas_sgemm") -> String? {
        masklab_library_defining(symbol).map { String(cString: $0) }
    }

    /// The shared object holding the `cblas_sgemm` that MaskLab's GEMM calls.
    public static var linkedSGEMMLibrary: String? {
        masklab_library_containing(masklab_linked_sgemm()).map { String(cString: $0) }
    }
}

/// The C heap as glibc's allocator sees it (for the benchmark's no-allocation check).
public enum HeapStatistics {
    /// Bytes handed out by `malloc` and not yet freed (`mallinfo2().uordblks + hblkhd`).
    public static var bytesInUse: Int { Int(masklab_heap_bytes_in_use()) }
}
