// swift-tools-version:6.0
// MaskLab: weight masks, importance and lottery tickets for neural networks, on the CPU.
//
// The targets show the architecture, each importing only what is below it:
//   C shims (COpenBLAS, CGSL, CZlib) → TensorCore → Stats → Layers → Models → Datasets
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
    ],
    targets: [
        // MARK: - C shims (system libraries through pkg-config)
        .systemLibrary(name: "COpenBLAS", pkgConfig: "openblas", providers: [.apt(["libopenblas-dev"])]),
        .systemLibrary(name: "CGSL", pkgConfig: "gsl", providers: [.apt(["libgsl-dev"])]),
        .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        // Header only: the parent-death signal for `compare`'s child processes (prctl is variadic).
        .systemLibrary(name: "CProcessControl"),

        // MARK: - Libraries, bottom to top
        .target(name: "TensorCore", dependencies: ["COpenBLAS"], swiftSettings: optimised),
        .target(name: "Stats", dependencies: ["CGSL", "TensorCore"], swiftSettings: optimised),
        .target(name: "Layers", dependencies: ["TensorCore", "Stats"], swiftSettings: optimised),
        .target(name: "Models", dependencies: ["Layers", "TensorCore", "Stats"], swiftSettings: optimised),
        .target(name: "Datasets", dependencies: ["CZlib", "TensorCore", "Stats"], swiftSettings: optimised),
        .target(name: "Importance", dependencies: ["Layers", "Datasets", "Stats", "TensorCore"], swiftSettings: optimised),
        .target(name: "Masks", dependencies: ["Importance", "Layers", "Stats", "TensorCore", "Datasets"], swiftSettings: optimised),
        .target(name: "Training", dependencies: ["Masks", "Datasets", "Models", "Layers", "TensorCore", "Stats"], swiftSettings: optimised),
        .target(name: "Experiments", dependencies: ["CProcessControl", "Training", "Masks", "Importance", "Datasets", "Models", "Layers", "TensorCore", "Stats"], swiftSettings: optimised),

        // MARK: - The command
        .executableTarget(name: "masklab", dependencies: [
            "Experiments", "Training", "Masks", "Importance", "Datasets", "Models", "Layers", "TensorCore", "Stats",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ], swiftSettings: optimised),

        // MARK: - Tests (one target per library target, plus shared support)
        .target(name: "TestSupport", dependencies: ["TensorCore", "Stats", "Layers", "Datasets"], path: "Tests/TestSupport"),
        .testTarget(name: "TensorCoreTests", dependencies: ["TensorCore", "TestSupport"]),
        .testTarget(name: "StatsTests", dependencies: ["Stats", "TestSupport"]),
        .testTarget(name: "LayersTests", dependencies: ["Layers", "Models", "TestSupport"]),
        .testTarget(name: "DatasetsTests", dependencies: ["Datasets", "TestSupport"]),
        .testTarget(name: "ImportanceTests", dependencies: ["Importance", "Models", "TestSupport"]),
        .testTarget(name: "MasksTests", dependencies: ["Masks", "Importance", "Training", "Models", "TestSupport"]),
        .testTarget(name: "TrainingTests", dependencies: ["Training", "Experiments", "TestSupport"]),
        .testTarget(name: "MasklabCLITests", dependencies: ["TestSupport"]),
        .testTarget(name: "ExperimentsTests", dependencies: ["Experiments", "Training", "Masks", "Datasets", "Layers", "Stats", "TestSupport"]),
    ]
)
