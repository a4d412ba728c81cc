// swift-tools-version:6.1
import PackageDescription

let package = Package(
    name: "SwiftGAN",
    platforms: [.macOS(.v14)],
    products: [
        .library(name: "TensorCore", targets: ["TensorCore"]),
        .library(name: "Autograd", targets: ["Autograd"]),
        .library(name: "Artifacts", targets: ["Artifacts"]),
        .library(name: "NN", targets: ["NN"]),
        .library(name: "GAN", targets: ["GAN"]),
        .library(name: "Datasets", targets: ["Datasets"]),
        .library(name: "Evaluation", targets: ["Evaluation"]),
        .executable(name: "swiftgan", targets: ["swiftgan"]),
        .executable(name: "fit-mlp", targets: ["fit-mlp"]),
        .executable(name: "swiftgan-bench", targets: ["Benchmarks"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "5.0.1"),
    ],
    targets: [
        // System libraries (Debian: libopenblas-dev, zlib1g-dev; scripts/setup.sh installs them).
        .systemLibrary(
            name: "CBLAS", path: "Sources/CBLAS", pkgConfig: "openblas",
            providers: [.apt(["libopenblas-dev"])]),
        .systemLibrary(
            name: "CZlib", path: "Sources/CZlib", pkgConfig: "zlib",
            providers: [.apt(["zlib1g-dev"])]),
        .systemLibrary(
            name: "CPNG", path: "Sources/CPNG", pkgConfig: "libpng",
            providers: [.apt(["libpng-dev"])]),

        // Transcendental kernels in C, compiled per instruction set and picked at load time.
        .target(name: "CKernels"),
        // Storage, shapes, kernels, randomness. Knows nothing about graphs.
        .target(name: "TensorCore", dependencies: ["CBLAS", "CKernels"]),
        // Tensor with an optional graph node, the ops, the reverse walk, gradcheck.
        .target(name: "Autograd", dependencies: ["TensorCore"]),
        // File formats: gzip, safetensors, PNG (libpng), sample grids, .npy, JSON Lines.
        .target(name: "Artifacts", dependencies: ["CZlib", "CPNG", "Autograd"]),
        // Layers, optimizers, initializers.
        .target(name: "NN", dependencies: ["Autograd"]),
        // Data: 2-D Gaussian mixtures (PacGAN's ring and grid), later MNIST and user data.
        .target(name: "Datasets", dependencies: ["Autograd"]),
        // Measuring a generator: mode coverage (PacGAN protocol), later FID/KID and spectra.
        .target(name: "Evaluation", dependencies: ["Autograd", "Datasets"]),
        // The GAN game: objectives, regularizers, (later) the trainer and diagnostics.
        .target(name: "GAN", dependencies: ["NN", "Artifacts"]),

        // Run configurations (YAML), presets and run directories: what the command line drives.
        .target(name: "Runs", dependencies: ["GAN", "Datasets", "Evaluation", "Artifacts",
                                              .product(name: "Yams", package: "Yams")]),
        .executableTarget(name: "swiftgan", dependencies: ["Runs", "GAN", "Artifacts", "Evaluation", "Workloads", .product(name: "ArgumentParser", package: "swift-argument-parser")],
                          // main.swift holds `@main`; with more than one file SwiftPM would read it as top-level code.
                          swiftSettings: [.unsafeFlags(["-parse-as-library"])]),
        .executableTarget(name: "fit-mlp", dependencies: ["Autograd"]),
        // The benchmark workloads of BENCHMARKS.md (W1-W3), shared by `swiftgan bench` and swiftgan-bench.
        .target(name: "Workloads", dependencies: ["NN"]),
        .executableTarget(name: "Benchmarks", dependencies: ["NN", "Autograd", "TensorCore", "CBLAS", "Workloads"]),

        // PyTorch reference fixtures and the helpers that compare against them, shared by
        // the test targets.
        .target(
            name: "TestFixtures", dependencies: ["Autograd", "Artifacts"], path: "Tests/TestFixtures",
            resources: [.copy("Fixtures")]),
        .testTarget(name: "TensorCoreTests", dependencies: ["TensorCore"]),
        .testTarget(name: "WorkloadsTests", dependencies: ["Workloads", "NN"]),
        .testTarget(name: "AutogradTests", dependencies: ["Autograd", "TensorCore", "TestFixtures"]),
        .testTarget(name: "NNTests", dependencies: ["NN", "Autograd", "Artifacts", "TestFixtures"]),
        .testTarget(name: "GANTests", dependencies: ["GAN", "NN", "Artifacts", "Datasets", "Evaluation", "TestFixtures"]),
        .testTarget(name: "RunsTests", dependencies: ["Runs", "GAN", "Artifacts", "Datasets"]),
        .testTarget(name: "DatasetsTests", dependencies: ["Datasets", "Evaluation"]),
        .testTarget(
            name: "ArtifactsTests", dependencies: ["Artifacts", "Autograd", "TestFixtures"],
            resources: [.copy("Resources")]),
    ]
)
