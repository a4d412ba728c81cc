import TensorCore

// Elementwise functions of one tensor: exp, log, sqrt, pow (scalar exponent), square, abs.
// Each backward is written with these same ops, so it differentiates again.

extension Tensor {
    /// e^x.
    public func exp() -> Tensor {
        let out = Tensor.vectorMap(self, VectorMath.exp)
        return Tensor.record("exp", out, shape: shape, inputs: [self], savesOutput: true) { gy, ctx in
            [gy * ctx.output]
        }
    }

    /// Natural logarithm.
    public func log() -> Tensor {
        let out = Tensor.vectorMap(self, VectorMath.log)
        return Tensor.record("log", out, shape: shape, inputs: [self]) { gy, ctx in
            [gy / ctx.input(0)]
        }
    }

    /// Square root (its gradient is infinite at 0).
    public func sqrt() -> Tensor {
        let out = Tensor.vectorMap(self, VectorMath.sqrt)
        return Tensor.record("sqrt", out, shape: shape, inputs: [self], savesOutput: true) { gy, ctx in
            [gy * 0.5 / ctx.output]
        }
    }

    /// x².
    public func square() -> Tensor {
        // x · x through the threaded C kernel (the same product a closure would compute).
        let out = Tensor.vectorMap(self) { VectorMath.mul($0, $0, $1, $2) }
        return Tensor.record("square", out, shape: shape, inputs: [self]) { gy, ctx in
            [gy * ctx.input(0) * 2]
        }
    }

    /// x^p for a constant exponent p. For non-integer p the input must be positive.
    public func pow(_ p: Float) -> Tensor {
        if p == 1 { return self }
        if p == 2 { return square() }
        let out: Storage
        if p == p.rounded(), Swift.abs(p) <= 16 {
            let n = Int(p)
            out = Tensor.unaryMap(self) { x in
                var r: Float = 1
                for _ in 0..<Swift.abs(n) { r *= x }
                return n < 0 ? 1 / r : r
            }
        } else {
            out = Tensor.unaryMap(self) { FastMath.exp(p * FastMath.log($0)) }
        }
        return Tensor.record("pow", out, shape: shape, inputs: [self]) { gy, ctx in
            [gy * ctx.input(0).pow(p - 1) * p]
        }
    }

    /// |x| (gradient sign(x), 0 at 0).
    public func abs() -> Tensor {
        let out = Tensor.unaryMap(self) { Swift.abs($0) }
        return Tensor.record("abs", out, shape: shape, inputs: [self]) { gy, ctx in
            [gy * ctx.input(0).sign()]
        }
    }

    /// -1, 0 or 1 by the sign of each element; a constant (its gradient is zero almost
    /// everywhere, so the result is untracked).
    public func sign() -> Tensor {
        Tensor(storage: Tensor.unaryMap(self) { $0 > 0 ? 1 : ($0 < 0 ? -1 : 0) }, shape: shape)
    }
}
