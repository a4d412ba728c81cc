import Testing
import Workloads
import NN

@Suite struct WorkloadsTests {
    /// The FLOP counts per step of BENCHMARKS.md (W1 0.206, W2 1.595, W3 31.8 / 127.2 GFLOP).
    @Test func flopsMatchThePeerScripts() {
        #expect(GMM2D.flopsPerStep(batch: 512) == 206_438_400)
        #expect(abs(Double(MNISTMLPWGANGP.flopsPerStep(batch: 64)) / 1e9 - 1.595) < 0.0005)
        #expect(abs(Double(DCGANMNIST.flopsPerStep(batch: 64)) / 1e9 - 31.8) < 0.05)
        #expect(abs(Double(DCGANMNIST.flopsPerStep(batch: 256)) / 1e9 - 127.2) < 0.05)
    }

    @Test func namesAreThePeers() {
        #expect(Workloads.names == ["gmm2d", "mnist_mlp_wgangp", "dcgan_mnist"])
        #expect(Workloads.named("dcgan_mnist") == DCGANMNIST.self)
        #expect(Workloads.named("nope") == nil)
    }

    /// Each workload trains: finite losses, and both players' parameters move every step
    /// (except the WGAN critic's output bias, which cancels out of its loss: its gradient
    /// is 1/n·Σ1 − 1/n·Σ1 = 0, in PyTorch too).
    @Test(arguments: [("gmm2d", 16), ("mnist_mlp_wgangp", 4), ("dcgan_mnist", 2)])
    func stepsTrainBothPlayers(_ name: String, batch: Int) {
        let w = Workloads.named(name)!.init(batch: batch, seed: 3)
        let (g, d) = (w.generator, w.discriminator)
        let g0 = g.parameters(), d0 = d.parameters()
        let losses = w.step()
        #expect(losses.lossD.isFinite && losses.lossG.isFinite)
        for (name, before) in g0 { #expect(g.parameters()[name]!.toArray() != before.toArray(), "G \(name) did not move") }
        for (name, before) in d0 where !(name == "2.bias" && w is MNISTMLPWGANGP) { #expect(d.parameters()[name]!.toArray() != before.toArray(), "D \(name) did not move") }
    }

    /// The run prints the peers' lines, the RESULT line last, and measures what it ran.
    @Test func runPrintsTheResultLineLast() {
        var lines: [String] = []
        let r = Workloads.run(GMM2D.self, steps: 3, threads: 1, batch: 8, seed: 1) { lines.append($0) }
        #expect(lines.first?.hasPrefix("CONFIG workload=gmm2d batch=8 threads=1 steps=3") == true)
        #expect(lines.contains { $0.hasPrefix("MEMORY peak_rss_mib=") })
        #expect(lines.last?.hasPrefix("RESULT workload=gmm2d steps_per_s=") == true)
        #expect(lines.last?.contains(" ms_per_step=") == true)
        #expect(r.steps == 3 && r.batch == 8 && r.stepsPerSecond > 0)
        #expect(r.peakRSSBytes > 1 << 20)
    }

    @Test func windowsReportSpeedAndMemory() {
        var lines: [String] = []
        _ = Workloads.run(GMM2D.self, steps: 4, threads: 1, batch: 8, seed: 1, reportEvery: 2) { lines.append($0) }
        let windows = lines.filter { $0.hasPrefix("WINDOW ") }
        #expect(windows.count == 2)
        #expect(windows.first?.hasPrefix("WINDOW steps=2 steps_per_s=") == true)
        #expect(windows.allSatisfy { $0.contains(" rss_mib=") && $0.contains(" live_storages=") })
        #expect(Workloads.residentBytes() > 1 << 20)
    }
}
