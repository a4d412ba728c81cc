import NN

/// PacGAN packing (Lin, Khetan, Fanti & Oh 2018, "PacGAN: The power of two samples in
/// generative adversarial networks"): the discriminator judges m samples at once, all real
/// or all fake, concatenated along the feature (channel) axis. A packed discriminator sees
/// the joint distribution of m samples, in which a generator that drops modes is much
/// easier to tell apart from the data, so mode collapse is penalized. The discriminator's
/// first layer takes m times as many input features; nothing else changes (the objective
/// is applied to its N/m scores).
///
/// Samples m·j, m·j + 1, ..., m·j + m − 1 form packed sample j, in that order along axis 1:
///
///     [N, F]          → [N/m, m·F]
///     [N, C, H, W]    → [N/m, m·C, H, W]   (channels of sample m·j first)
///
/// and in general [N, d₁, d₂, ...] → [N/m, m·d₁, d₂, ...]. For row-major tensors this is a
/// reshape, so it copies nothing, and its gradient is the reshape back. N must be divisible
/// by m (`require` stops with the shapes otherwise); m = 1 returns x unchanged.
public func pack(_ x: Tensor, degree m: Int) -> Tensor {
    require(m >= 1, "pack: packing degree \(m) must be at least 1")
    require(x.rank >= 2,
            "pack: input of shape \(Shape.describe(x.shape)) needs a batch axis and a feature axis ([N, F] or [N, C, H, W])")
    let n = x.shape[0]
    require(n % m == 0,
            "pack: batch of \(n) samples (shape \(Shape.describe(x.shape))) is not divisible by the packing degree \(m)")
    if m == 1 { return x }
    var packed = x.shape
    packed[0] = n / m
    packed[1] = m * x.shape[1]
    return x.reshaped(packed)
}
