// swift-tools-version:6.0
// MaskLab: weight masks, importance and lottery tickets for neural networks, on the CPU.
//
// The targets show the architecture, each importing only what is below it:
//   C shims (COpenBLAS, CGSL, CZlib, CVectorMath, CProcessControl) and C kernels (CFusedKernels), Options → TensorCore → Stats → Layers → Models → Datasets
//   → Importance → Masks → Training → Experiments → masklab (the command)
import PackageDescription

// MARK: - Settings shared by the Swift targets

/// One place for compiler settings of the library targets (today: none beyond SwiftPM's -O in release).
let optimised: [SwiftSetting] = []

let package = Package(
    name: "MaskLab",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "masklab", targets: ["masklab"]),
        .library(name: "MaskLabCore", targets: ["TensorCore", "Stats", "Layers", "Models", "Datasets", "Importance", "Masks", "Training", "Experiments"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "5.0.1"),
    ],
    targets: [
        // MARK: - C shims (system libraries through pkg-config)
        .systemLibrary(name: "COpenBLAS", pkgConfig: "openblas", providers: [.apt(["libopenblas-dev"])]),
        .systemLibrary(name: "CGSL", pkgConfig: "gsl", providers: [.apt(["libgsl-dev"])]),
        .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        // Header only: the parent-death signal for `compare`'s child processes (prctl is variadic).
        .systemLibrary(name: "CProcessControl"),
        // Header only: a lane-wise square root Swift's SIMD types do not vectorise.
        .systemLibrary(name: "CVectorMath"),
        // AVX-512 kernels in C, chosen at run time (Swift's SIMD types compile to baseline SSE here).
        .target(name: "CFusedKernels"),

        // MARK: - Libraries, bottom to top
        // Options: the option descriptors every config group declares its keys, flags and ranges with,
        // and the JSON/YAML reader and writer of config files (below everything that has options).
        .target(name: "Options", dependencies: [.product(name: "Yams", package: "Yams")], swiftSettings: optimised),
        .target(name: "TensorCore", dependencies: ["COpenBLAS", "CVectorMath", "CProcessControl", "CFusedKernels"], swiftSettings: optimised),
        .target(name: "Stats", dependencies: ["CGSL", "TensorCore"], swiftSettings: optimised),
        .target(name: "Layers", dependencies: ["TensorCore", "Stats"], swiftSettings: optimised),
        .target(name: "Models", dependencies: ["Layers", "TensorCore", "Stats", "Options"], swiftSettings: optimised),
        .target(name: "Datasets", dependencies: ["CZlib", "TensorCore", "Stats"], swiftSettings: optimised),
        .target(name: "Importance", dependencies: ["Layers", "Datasets", "Stats", "TensorCore", "Options"], swiftSettings: optimised),
        .target(name: "Masks", dependencies: ["Importance", "Layers", "Stats", "TensorCore", "Datasets", "Options"], swiftSettings: optimised),
        .target(name: "Training", dependencies: ["Masks", "Datasets", "Models", "Layers", "TensorCore", "Stats", "Options"], swiftSettings: optimised),
        // Experiments: one subfolder per study, each with a README.md saying what it holds.
        .target(name: "Experiments", dependencies: ["CProcessControl", "Training", "Masks", "Importance", "Datasets", "Models", "Layers", "TensorCore", "Stats", "Options"],
                exclude: ["Runs/README.md", "Compare/README.md", "Lottery/README.md", "Interpolation/README.md", "ImportanceReports/README.md",
                          "Bench/README.md", "Plots/README.md", "Sweep/README.md", "TensorBoard/README.md", "MaskCompare/README.md",
                          "StructuredPruning/README.md", "Pruning/README.md", "PruningSweep/README.md"],
                swiftSettings: optimised),

        // MARK: - The command
        .executableTarget(name: "masklab", dependencies: [
            "Experiments", "Training", "Masks", "Importance", "Datasets", "Models", "Layers", "TensorCore", "Stats", "Options",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ], swiftSettings: optimised, plugins: ["BuildCommitPlugin"]),
        // Writes the commit the executable is built from into it (`masklab --version`, command.txt).
        .plugin(name: "BuildCommitPlugin", capability: .buildTool()),

        // MARK: - Tests (one target per library target, plus shared support)
        .target(name: "TestSupport", dependencies: ["TensorCore", "Stats", "Layers", "Datasets"], path: "Tests/TestSupport"),
        .testTarget(name: "OptionsTests", dependencies: ["Options"]),
        .testTarget(name: "TensorCoreTests", dependencies: ["TensorCore", "CProcessControl", "CVectorMath", "TestSupport"]),
        .testTarget(name: "StatsTests", dependencies: ["Stats", "TestSupport"]),
        .testTarget(name: "LayersTests", dependencies: ["Layers", "Models", "TestSupport"]),
        .testTarget(name: "DatasetsTests", dependencies: ["Datasets", "TestSupport"]),
        .testTarget(name: "ImportanceTests", dependencies: ["Importance", "Models", "TestSupport"]),
        .testTarget(name: "MasksTests", dependencies: ["Masks", "Importance", "Training", "Models", "Options", "TestSupport"]),
        .testTarget(name: "TrainingTests", dependencies: ["Training", "Experiments", "TestSupport"]),
        .testTarget(name: "MasklabCLITests", dependencies: ["Experiments", "Options", "TestSupport"]),
        .testTarget(name: "FuzzTests", dependencies: ["Datasets", "Stats", "Experiments", "TestSupport"]),
        .testTarget(name: "ExperimentsTests", dependencies: ["Experiments", "Training", "Masks", "Models", "Datasets", "Layers", "Stats", "Options", "TestSupport"],
                    exclude: ["LegacyResolved"]),
    ]
)
