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
        .library(name: "Lab", targets: ["Lab"]),
        .executable(name: "swiftgan", targets: ["swiftgan"]),
        .executable(name: "fit-mlp", targets: ["fit-mlp"]),
        .executable(name: "swiftgan-bench", targets: ["Benchmarks"]),
        .executable(name: "swiftgan-mpi-bench", targets: ["DistributedBench"]),
    ],
    // `swift build --traits MPI`: data-parallel training on Open MPI (libopenmpi-dev). Off by
    // default, so the package builds and tests without Open MPI installed.
    traits: [
        .trait(name: "MPI", description: "Data-parallel training across processes on Open MPI (Sources/CMPI)"),
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
        // LAPACK routines from OpenBLAS (symmetric eigendecomposition for FID).
        .systemLibrary(
            name: "CLAPACK", path: "Sources/CLAPACK", pkgConfig: "openblas",
            providers: [.apt(["libopenblas-dev"])]),
        .systemLibrary(
            name: "CMPI", path: "Sources/CMPI", pkgConfig: "ompi-c",
            providers: [.apt(["libopenmpi-dev"])]),

        // Transcendental kernels in C, compiled per instruction set and picked at load time.
        .target(name: "CKernels"),
        // Storage, shapes, kernels, randomness. Knows nothing about graphs.
        .target(name: "TensorCore", dependencies: ["CBLAS", "CKernels"]),
        // Tensor with an optional graph node, the ops, the reverse walk, gradcheck.
        .target(name: "Autograd", dependencies: ["TensorCore"]),
        // File formats: gzip, safetensors, PNG (libpng), sample grids, .npy, JSON Lines.
        .target(name: "Artifacts", dependencies: ["CZlib", "CPNG", "Autograd"]),
        // Layers, optimizers, initializers.
        .target(name: "NN", dependencies: ["Autograd", "CKernels"]),
        // Data: 2-D Gaussian mixtures (PacGAN's ring and grid), later MNIST and user data.
        .target(name: "Datasets", dependencies: ["Autograd", "Artifacts"]),
        // Measuring a generator: mode coverage (PacGAN protocol); the MNIST evaluation classifier,
        // FID/KID, precision/recall, classifier score, digit and Stacked MNIST modes.
        .target(name: "Evaluation", dependencies: ["Autograd", "Datasets", "NN", "Artifacts", "CLAPACK"]),
        // The GAN game: objectives, regularizers, (later) the trainer and diagnostics.
        .target(name: "GAN", dependencies: ["NN", "Artifacts"]),
        // Data-parallel training: communicators (one process; Open MPI with the MPI trait),
        // gradient averaging, sharded sampling, synchronized batch norm.
        .target(name: "Distributed", dependencies: [
            "GAN", "NN", .target(name: "CMPI", condition: .when(traits: ["MPI"]))]),

        // Run configurations (YAML), presets and run directories: what the command line drives.
        .target(name: "Runs", dependencies: ["GAN", "Datasets", "Evaluation", "Artifacts", "Distributed",
                                              .product(name: "Yams", package: "Yams")]),
        // The stability lab: experiment grids (methods × seeds) and their tables; experiments
        // written in code (the Dirac-GAN) with their own tables and pictures.
        .target(name: "Lab", dependencies: ["Runs", "GAN", "NN", "Artifacts", "Autograd",
                                             .product(name: "Yams", package: "Yams")]),
        .executableTarget(name: "swiftgan", dependencies: ["Runs", "Lab", "GAN", "Artifacts", "Evaluation", "Datasets", "Workloads", .product(name: "ArgumentParser", package: "swift-argument-parser")]),
        .executableTarget(name: "fit-mlp", dependencies: ["Autograd"]),
        // W3 data-parallel throughput and the all-reduce's cost (`mpirun -np N swiftgan-mpi-bench`).
        .executableTarget(name: "DistributedBench", dependencies: ["Distributed", "GAN", "NN", "Workloads"]),
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
        .testTarget(name: "DistributedTests", dependencies: ["Distributed", "GAN", "NN"]),
        .testTarget(name: "RunsTests", dependencies: ["Runs", "GAN", "Artifacts", "Datasets", "Evaluation", "Distributed"]),
        .testTarget(name: "LabTests", dependencies: ["Lab", "Runs", "GAN", "Autograd", "Artifacts"]),
        .testTarget(name: "DatasetsTests", dependencies: ["Datasets", "Evaluation", "Artifacts"]),
        .testTarget(name: "EvaluationTests", dependencies: ["Evaluation", "NN", "Artifacts", "Datasets"]),
        .testTarget(
            name: "ArtifactsTests", dependencies: ["Artifacts", "Autograd", "TestFixtures"],
            resources: [.copy("Resources")]),
    ]
)
