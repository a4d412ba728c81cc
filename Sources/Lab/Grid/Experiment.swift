import Foundation
import Runs
import Yams

/// An experiment grid: one base run configuration, several arms (methods) that each change
/// some keys, and a number of seeds. Every (arm, seed) cell is one training run, scored by
/// the data's metrics (for 2-D mixtures: PacGAN's modes, high-quality %, reverse KL).
///
/// YAML form (what `swiftgan lab FILE.yaml` reads; the bundled ones are in `Bundled.swift`):
///
///     experiment: pacgan-ring
///     description: PacGAN Table 1, 2-D ring
///     seeds: 10
///     base:                     # a run config: data / model / game / optim / train sections
///       data: {name: ring8}
///       train: {steps: 400000}
///     arms:
///       - name: GAN
///         set: {game.packing: 1}
///         published: {modes_covered: [6.3, 0.5], high_quality_percent: [98.2, 0.2]}
///       - name: PacGAN2
///         set: {game.packing: 2, game.batch_size: 200}
///
/// `published` gives the paper's mean and standard error per metric (either may be a single
/// number: a mean without an error bar).
public struct Experiment: Sendable {
    public struct Arm: Sendable {
        public var name: String
        public var overrides: [String]
        public var published: [String: Published]
    }

    public struct Published: Sendable, Equatable {
        public var mean: Double
        public var standardError: Double?
        public init(mean: Double, standardError: Double?) { self.mean = mean; self.standardError = standardError }
    }

    public var name: String
    public var description: String
    public var seeds: Int
    public var base: RunConfig
    public var arms: [Arm]
    /// Where the published numbers come from (printed under the table).
    public var source: String
    /// What the table calls the `published` numbers: "paper" unless the experiment says
    /// otherwise (e.g. "goal" for targets of our own).
    public var referenceLabel: String

    /// The run configuration of one cell: base, the arm's keys, the seed.
    public func config(arm: Arm, seed: Int) throws -> RunConfig {
        var c = base
        try c.apply(overrides: arm.overrides + ["train.seed=\(seed)"])
        return c
    }

    /// Every run's budget as text: "3000", or "12000-24000" when arms set their own
    /// `train.steps`.
    public var stepBudget: String {
        let budgets = Set(arms.compactMap { try? config(arm: $0, seed: 0).steps }).sorted()
        guard let first = budgets.first, let last = budgets.last else { return "\(base.steps)" }
        return first == last ? "\(first)" : "\(first)-\(last)"
    }

    /// Gives every run `steps`: the base and any arm that sets its own budget.
    public mutating func setSteps(_ steps: Int) throws {
        try base.apply(overrides: ["train.steps=\(steps)"])
        for i in arms.indices { arms[i].overrides.removeAll { $0.hasPrefix("train.steps=") } }
    }

    /// Reads an experiment; errors name `source` and the field at fault.
    public init(yaml text: String, source: String) throws {
        let node: Any?
        do { node = try Yams.load(yaml: text) } catch { throw ConfigError("\(source): not valid YAML (\(error))") }
        guard let root = node as? [String: Any] else {
            throw ConfigError("\(source): expected a mapping with experiment, seeds, base and arms")
        }
        let known = ["experiment", "description", "seeds", "base", "arms", "source", "reference"]
        if let extra = root.keys.sorted().first(where: { !known.contains($0) }) {
            throw ConfigError("\(source): unknown field '\(extra)'; fields: \(known.joined(separator: ", "))")
        }
        guard let name = root["experiment"] as? String, !name.isEmpty else {
            throw ConfigError("\(source): 'experiment' (the experiment's name) is missing")
        }
        guard let seeds = root["seeds"] as? Int, (1...1000).contains(seeds) else {
            throw ConfigError("\(source): 'seeds' must be an integer in 1...1000")
        }
        guard let baseNode = root["base"] as? [String: Any] else {
            throw ConfigError("\(source): 'base' must be a run configuration (a mapping of data, model, game, optim, train)")
        }
        let baseText = try Yams.dump(object: baseNode)
        let base = try RunConfig(yaml: baseText, source: "\(source): base")
        guard let armNodes = root["arms"] as? [Any], !armNodes.isEmpty else {
            throw ConfigError("\(source): 'arms' must be a non-empty list of {name, set, published}")
        }
        var arms: [Arm] = []
        for (i, node) in armNodes.enumerated() {
            guard let a = node as? [String: Any], let armName = a["name"] as? String else {
                throw ConfigError("\(source): arms[\(i)] needs a 'name'")
            }
            if let extra = a.keys.sorted().first(where: { !["name", "set", "published"].contains($0) }) {
                throw ConfigError("\(source): arms[\(i)] (\(armName)): unknown field '\(extra)'; fields: name, set, published")
            }
            let set = (a["set"] as? [String: Any]) ?? [:]
            if a["set"] != nil && a["set"] as? [String: Any] == nil {
                throw ConfigError("\(source): arms[\(i)] (\(armName)): 'set' must be a mapping of key.path: value")
            }
            let overrides = set.keys.sorted().map { "\($0)=\(RunConfig.text(of: set[$0]!))" }
            var published: [String: Published] = [:]
            for (metric, value) in (a["published"] as? [String: Any]) ?? [:] {
                published[metric] = try Experiment.published(value, "\(source): arms[\(i)] (\(armName)): published.\(metric)")
            }
            let arm = Arm(name: armName, overrides: overrides, published: published)
            // Check the keys now, not after hours of other cells.
            var probe = base
            do { try probe.apply(overrides: overrides) } catch let e as ConfigError {
                throw ConfigError("\(source): arms[\(i)] (\(armName)): \(e.description)")
            }
            arms.append(arm)
        }
        if let dup = Dictionary(grouping: arms, by: \.name).first(where: { $0.value.count > 1 })?.key {
            throw ConfigError("\(source): two arms are named '\(dup)'")
        }
        self.name = name
        self.description = root["description"] as? String ?? ""
        self.seeds = seeds
        self.base = base
        self.arms = arms
        self.source = root["source"] as? String ?? ""
        self.referenceLabel = root["reference"] as? String ?? "paper"
    }

    static func published(_ v: Any, _ at: String) throws -> Published {
        func number(_ x: Any) -> Double? { (x as? Double) ?? (x as? Int).map(Double.init) }
        if let m = number(v) { return Published(mean: m, standardError: nil) }
        if let pair = v as? [Any], pair.count == 2, let m = number(pair[0]), let s = number(pair[1]), s >= 0 {
            return Published(mean: m, standardError: s)
        }
        throw ConfigError("\(at): expected a number or [mean, standard error]")
    }
}
