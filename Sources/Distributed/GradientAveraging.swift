import GAN
import NN

/// Averages gradients over the ranks: all tensors (in name order) and the statistics packed
/// into one buffer, all-reduced in chunks, divided by the world size, unpacked. One buffer
/// means one collective per update whatever the number of parameters.
public final class GradientAverager: ReplicaReduction {
    public let communicator: any Communicator
    private var buffer: [Float] = []

    public init(_ communicator: any Communicator) { self.communicator = communicator }

    public func average(_ gradients: inout [String: Tensor], _ statistics: inout [Float]) {
        guard communicator.size > 1 else { return }
        let names = gradients.keys.sorted()
        let total = names.reduce(statistics.count) { $0 + gradients[$1]!.count }
        if buffer.count != total { buffer = [Float](repeating: 0, count: total) }
        buffer.withUnsafeMutableBufferPointer { b in
            var offset = 0
            for name in names {
                let g = gradients[name]!
                (b.baseAddress! + offset).update(from: g.storage.pointer, count: g.count)
                offset += g.count
            }
            for (i, s) in statistics.enumerated() { b[offset + i] = s }
            communicator.allReduce(b, .sum, average: true)
            offset = 0
            for name in names {
                let g = gradients[name]!
                let out = Storage(uninitialized: g.count)
                out.pointer.update(from: b.baseAddress! + offset, count: g.count)
                gradients[name] = Tensor(storage: out, shape: g.shape)
                offset += g.count
            }
            for i in 0..<statistics.count { statistics[i] = b[offset + i] }
        }
    }
}

/// Batch statistics summed over the ranks (synchronized batch norm's `ReplicaSum`).
public final class CommunicatorSum: ReplicaSum {
    public let communicator: any Communicator
    public init(_ communicator: any Communicator) { self.communicator = communicator }
    public var replicas: Int { communicator.size }
    public func sum(_ values: inout [Double]) { communicator.allReduce(&values, .sum) }
}

/// Synchronized batch norm: points every `BatchNorm` of `model` at the ranks of
/// `communicator`, so training statistics cover the global batch. Returns how many layers
/// it changed.
@discardableResult
public func synchronizeBatchNorm(in model: ParameterContainer, over communicator: any Communicator) -> Int {
    let sum = CommunicatorSum(communicator)
    var count = 0
    for (_, layer) in model.namedLayers() {
        if let bn = layer as? BatchNorm { bn.replicas = sum; count += 1 }
    }
    return count
}
