import Autograd
import Foundation

extension Tensor {
    /// The values as little-endian float32 bytes, as .npy (`<f4`) and safetensors (F32) store them.
    var littleEndianFloat32Bytes: [UInt8] {
        let n = count * 4
        return [UInt8](unsafeUninitializedCapacity: n) { out, done in
            if n > 0 { memcpy(out.baseAddress!, storage.pointer, n) }
            #if _endian(big)
            out.withMemoryRebound(to: UInt32.self) { w in for i in w.indices { w[i] = w[i].littleEndian } }
            #endif
            done = n
        }
    }
}
