import NN

/// The consensus-optimization regularizer (Mescheder, Nowozin & Geiger 2017, "The Numerics
/// of GANs", §4):
///
///     v = (∇φ L_D(φ, θ), ∇θ L_G(φ, θ)),   L_CO = γ · ½‖v‖² = γ/2 · (Σ ‖∇φ L_D‖² + Σ ‖∇θ L_G‖²)
///
/// where φ are the discriminator's parameters, θ the generator's, and v is the game's vector
/// field: each player's gradient of *its own* loss with respect to *its own* parameters.
/// Plain simultaneous gradient descent follows −v, whose Jacobian can have eigenvalues with
/// a large imaginary part (rotation: the oscillation of GAN training) or a real part near 0;
/// descending ½‖v‖² as well pulls both players towards points where v = 0, which damps the
/// rotation. Both gradients are computed with `createGraph: true`, so the returned term can
/// be differentiated with respect to φ and θ (a double backward through both players).
///
/// How a trainer uses it (simultaneous updates, as in the paper; it used RMSProp and
/// γ = 10): compute both losses from one forward pass in which *both* players' parameters
/// are tracked (do not detach the fakes: ∇φ L_D depends on θ through G(z), and that
/// dependence is what the regularizer's gradient with respect to θ needs), add the *same*
/// term to both losses, and take each player's gradient of its regularized loss:
///
///     let fake = generator(z)                                   // tracked through G
///     let lossD = objective.discriminatorLoss(real: D(real), fake: D(fake))
///     let lossG = objective.generatorLoss(fake: D(fake))
///     let reg = consensusRegularizer(discriminatorLoss: lossD, discriminatorParameters: dParams,
///                                    generatorLoss: lossG, generatorParameters: gParams, gamma: 10)
///     let gD = gradients(of: lossD + reg, wrt: dParams)        // both from the same graph
///     let gG = gradients(of: lossG + reg, wrt: gParams)
///
/// (The paper writes the players as maximizing f and g and updates x ← x + h(v − γ∇L);
/// with losses to minimize this is the same thing.) Returns a scalar.
public func consensusRegularizer(discriminatorLoss: Tensor, discriminatorParameters: [String: Tensor],
                                 generatorLoss: Tensor, generatorParameters: [String: Tensor],
                                 gamma: Float) -> Tensor {
    require(discriminatorLoss.count == 1 && generatorLoss.count == 1,
            "consensusRegularizer: losses must be scalars (discriminator \(Shape.describe(discriminatorLoss.shape)), generator \(Shape.describe(generatorLoss.shape)))")
    require(!discriminatorParameters.isEmpty && !generatorParameters.isEmpty,
            "consensusRegularizer: both players need parameters (discriminator \(discriminatorParameters.count), generator \(generatorParameters.count))")
    let gD = gradients(of: discriminatorLoss, wrt: discriminatorParameters, createGraph: true)
    let gG = gradients(of: generatorLoss, wrt: generatorParameters, createGraph: true)
    var total: Tensor? = nil
    // Sorted names: the same summation order on every run.
    for (grads, names) in [(gD, gD.keys.sorted()), (gG, gG.keys.sorted())] {
        for name in names {
            let term = grads[name]!.square().sum()
            total = total.map { $0 + term } ?? term
        }
    }
    return total! * (gamma / 2)
}
