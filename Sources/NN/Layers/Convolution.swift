/// 2-D convolution (cross-correlation) over NCHW input, `y = conv2d(x, W) + b`.
///
/// - `weight`: `[out, in, kh, kw]`; `bias`: `[out]` (optional).
/// - Initialization, as PyTorch's `nn.Conv2d`: U(−1/√fanIn, 1/√fanIn) with
///   fanIn = in·kh·kw, for weight and bias.
public final class Conv2d: Layer {
    public var weight: Tensor
    public var bias: Tensor?
    public let stride: Int
    public let padding: Int

    public init(_ inChannels: Int, _ outChannels: Int, kernelSize: Int, stride: Int = 1, padding: Int = 0,
                bias: Bool = true, using rng: inout RandomGenerator) {
        require(inChannels > 0 && outChannels > 0 && kernelSize > 0 && stride > 0 && padding >= 0,
                "Conv2d: invalid configuration in \(inChannels), out \(outChannels), kernel \(kernelSize), stride \(stride), padding \(padding)")
        let bound = 1 / Float(inChannels * kernelSize * kernelSize).squareRoot()
        weight = Tensor.randomUniform([outChannels, inChannels, kernelSize, kernelSize], low: -bound, high: bound,
                                      using: &rng).requiringGradient()
        self.bias = bias ? Tensor.randomUniform([outChannels], low: -bound, high: bound, using: &rng).requiringGradient() : nil
        self.stride = stride
        self.padding = padding
    }

    public func callAsFunction(_ x: Tensor, in context: Context) -> Tensor {
        Tensor.conv2d(x, weight: weight, bias: bias, stride: stride, padding: padding)
    }

    public func visit(_ v: inout TensorVisitor) {
        v.parameter("weight", &weight)
        if bias != nil { v.parameter("bias", &bias!) }
    }
}

/// 2-D transposed convolution over NCHW input (PyTorch's `nn.ConvTranspose2d`): output size
/// (in − 1)·stride − 2·padding + kernel + outputPadding.
///
/// - `weight`: `[in, out, kh, kw]`; `bias`: `[out]` (optional).
/// - Initialization, as PyTorch: U(−1/√fanIn, 1/√fanIn) where PyTorch's fan-in of this
///   weight layout is out·kh·kw.
public final class ConvTranspose2d: Layer {
    public var weight: Tensor
    public var bias: Tensor?
    public let stride: Int
    public let padding: Int
    public let outputPadding: Int

    public init(_ inChannels: Int, _ outChannels: Int, kernelSize: Int, stride: Int = 1, padding: Int = 0,
                outputPadding: Int = 0, bias: Bool = true, using rng: inout RandomGenerator) {
        require(inChannels > 0 && outChannels > 0 && kernelSize > 0 && stride > 0 && padding >= 0
                    && outputPadding >= 0 && outputPadding < stride,
                "ConvTranspose2d: invalid configuration in \(inChannels), out \(outChannels), kernel \(kernelSize), stride \(stride), padding \(padding), output padding \(outputPadding)")
        let bound = 1 / Float(outChannels * kernelSize * kernelSize).squareRoot()
        weight = Tensor.randomUniform([inChannels, outChannels, kernelSize, kernelSize], low: -bound, high: bound,
                                      using: &rng).requiringGradient()
        self.bias = bias ? Tensor.randomUniform([outChannels], low: -bound, high: bound, using: &rng).requiringGradient() : nil
        self.stride = stride
        self.padding = padding
        self.outputPadding = outputPadding
    }

    public func callAsFunction(_ x: Tensor, in context: Context) -> Tensor {
        Tensor.convTranspose2d(x, weight: weight, bias: bias, stride: stride, padding: padding,
                               outputPadding: outputPadding)
    }

    public func visit(_ v: inout TensorVisitor) {
        v.parameter("weight", &weight)
        if bias != nil { v.parameter("bias", &bias!) }
    }
}
