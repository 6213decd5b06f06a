"""Adam's family beyond the article (AMSGrad, AdamW, NAdam, RAdam), following ``torch.optim``'s
documented rules and defaults, on batched (runs, P) tensors; the rest of the family is in
:mod:`engine.optimizers.family`."""

from __future__ import annotations

from engine.core.lazy import lazy_import
from engine.optimizers.base import (
    EMA_MOMENTUM_RULE,
    Hyperparameter,
    Optimizer,
    TorchEquivalent,
    betas,
    betas_and_eps,
    ema_momentum_threshold,
    epsilon,
    in_float64,
    next_step,
    step_counter,
    weight_decay,
    zeros_state,
)

torch = lazy_import("torch", __name__)


class _AdamFamily(Optimizer):
    """Adam with bias correction, torch's defaults: the base of AMSGrad and AdamW."""

    hyperparameters = (*betas(0.9, 0.999), epsilon(1e-8))
    preconditioned = True
    threshold_rule = EMA_MOMENTUM_RULE

    def init_state(self, params, hp):
        return {**zeros_state(params, "m", "v"), "step": step_counter(params)}

    def preconditioner(self, grads, state, hp):
        """(1−β₁ᵗ)·(√v̂ + ε): the step is η·m/P."""
        _, _, v, bc1, bc2 = self.moments(grads, state, hp)
        return bc1 * ((v / bc2).sqrt() + hp["eps"])

    def stability_threshold(self, lr, hp):
        return ema_momentum_threshold(lr, hp["beta1"])

    def moments(self, grads, state, hp):
        beta1, beta2 = hp["beta1"], hp["beta2"]
        step = next_step(state)
        m = torch.lerp(state["m"], grads, 1 - beta1)  # = β₁·m + (1−β₁)·g, in torch's order
        v = beta2 * state["v"] + (1 - beta2) * grads.square()
        bc1, bc2 = in_float64(step, lambda t: (1 - beta1**t, 1 - beta2**t), grads.dtype)
        return step, m, v, bc1, bc2


class AMSGrad(_AdamFamily):
    name = "amsgrad"
    display_name = "AMSGrad"
    rule = "m, v as Adam; v̂max ← max(v̂max, v)\nθ ← θ − η/(1−β₁ᵗ) · m / (√v̂max/√(1−β₂ᵗ) + ε)"
    reference = "Reddi, Kale & Kumar (2018), On the Convergence of Adam and Beyond"

    def init_state(self, params, hp):
        return {**super().init_state(params, hp), "v_max": torch.zeros_like(params)}

    def preconditioner(self, grads, state, hp):
        """(1−β₁ᵗ)·(√v̂max/√(1−β₂ᵗ) + ε): the step is η·m/P."""
        _, _, v, bc1, bc2 = self.moments(grads, state, hp)
        return bc1 * (torch.maximum(state["v_max"], v).sqrt() / bc2.sqrt() + hp["eps"])

    def update(self, params, grads, state, lr, hp):
        step, m, v, bc1, bc2 = self.moments(grads, state, hp)
        v_max = torch.maximum(state["v_max"], v)
        denom = v_max.sqrt() / bc2.sqrt() + hp["eps"]
        new = params - lr / bc1 * m / denom
        return new, {"m": m, "v": v, "v_max": v_max, "step": step}

    def torch_equivalent(self, hp):
        return TorchEquivalent("Adam", betas_and_eps(hp, amsgrad=True))


class AdamW(_AdamFamily):
    name = "adamw"
    display_name = "AdamW"
    rule = "θ ← θ·(1 − η·λ)\nthen Adam with bias correction:\nθ ← θ − η·m̂ / (√v̂ + ε)"
    reference = "Loshchilov & Hutter (2019), Decoupled Weight Decay Regularization"
    hyperparameters = (*_AdamFamily.hyperparameters, weight_decay(0.01))
    threshold_rule = "(1+β₁)(2−ηλ)/((1−β₁)η)"

    def stability_threshold(self, lr, hp):
        """Where P is the identity: φ ← (1−ηλ)φ − ηm, m ← β₁m + (1−β₁)aφ has a root at −1
        once a = (1+β₁)(2−ηλ)/((1−β₁)η), λ the weight decay (see the tests)."""
        beta1, decay = hp["beta1"], hp["weight_decay"]
        return (1.0 + beta1) * (2.0 - lr * decay) / ((1.0 - beta1) * lr)

    def update(self, params, grads, state, lr, hp):
        decayed = params * (1 - lr * hp["weight_decay"])
        step, m, v, bc1, bc2 = self.moments(grads, state, hp)
        denom = v.sqrt() / bc2.sqrt() + hp["eps"]
        return decayed - lr / bc1 * m / denom, {"m": m, "v": v, "step": step}

    def torch_equivalent(self, hp):
        return TorchEquivalent("AdamW", betas_and_eps(hp, weight_decay=hp["weight_decay"]))


class NAdam(_AdamFamily):
    name = "nadam"
    display_name = "NAdam"
    rule = (
        "μₜ = β₁·(1 − ½·0.96^(t·ψ)), Πₜ = μ₁⋯μₜ\n"
        "m, v as Adam; v̂ = v/(1−β₂ᵗ)\n"
        "θ ← θ − η·(1−μₜ)/(1−Πₜ) · g/(√v̂ + ε)\n"
        "      − η·μₜ₊₁/(1−Πₜμₜ₊₁) · m/(√v̂ + ε)"
    )
    reference = "Dozat (2016), Incorporating Nesterov Momentum into Adam"
    hyperparameters = (
        *_AdamFamily.hyperparameters,
        Hyperparameter("momentum_decay", 4e-3, "ψ (momentum decay)", minimum=0.0),
    )

    threshold_rule = "no known threshold: its momentum weights change with t"

    def init_state(self, params, hp):
        return {**super().init_state(params, hp), "mu_product": torch.ones_like(params[:, :1])}

    def preconditioner(self, grads, state, hp):
        """√v̂ + ε, what both of its terms divide by."""
        _, _, v, _, bc2 = self.moments(grads, state, hp)
        return (v / bc2).sqrt() + hp["eps"]

    def stability_threshold(self, lr, hp):
        return None

    def update(self, params, grads, state, lr, hp):
        step, m, v, _, bc2 = self.moments(grads, state, hp)
        beta1, psi = hp["beta1"], hp["momentum_decay"]
        mu, mu_next = in_float64(
            step,
            lambda t: (
                beta1 * (1 - 0.5 * 0.96 ** (t * psi)),
                beta1 * (1 - 0.5 * 0.96 ** ((t + 1) * psi)),
            ),
            grads.dtype,
        )
        mu_product = state["mu_product"] * mu
        denom = (v / bc2).sqrt() + hp["eps"]
        new = (
            params
            - lr * (1 - mu) / (1 - mu_product) * grads / denom
            - lr * mu_next / (1 - mu_product * mu_next) * m / denom
        )
        return new, {"m": m, "v": v, "step": step, "mu_product": mu_product}

    def torch_equivalent(self, hp):
        return TorchEquivalent("NAdam", betas_and_eps(hp, momentum_decay=hp["momentum_decay"]))


class RAdam(_AdamFamily):
    name = "radam"
    display_name = "RAdam"
    rule = (
        "m, v as Adam; ρ∞ = 2/(1−β₂) − 1, ρₜ = ρ∞ − 2tβ₂ᵗ/(1−β₂ᵗ)\n"
        "if ρₜ > 5: r = √((ρₜ−4)(ρₜ−2)ρ∞ / ((ρ∞−4)(ρ∞−2)ρₜ))\n"
        "           θ ← θ − η·m̂ · r·√(1−β₂ᵗ)/(√v + ε)\n"
        "else:      θ ← θ − η·m̂"
    )
    reference = "Liu et al. (2020), On the Variance of the Adaptive Learning Rate and Beyond"

    @staticmethod
    def rectifier(step: torch.Tensor, beta2: float, dtype: torch.dtype):
        """ρₜ and the variance rectification r, per run, in float64 rounded once."""
        rho_inf = 2 / (1 - beta2) - 1

        def rectify(t):
            rho_t = rho_inf - 2 * t * beta2**t / (1 - beta2**t)
            ratio = (rho_t - 4) * (rho_t - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho_t)
            return rho_t, ratio.clamp(min=0).sqrt()

        return in_float64(step, rectify, dtype)

    def update(self, params, grads, state, lr, hp):
        step, m, v, bc1, bc2 = self.moments(grads, state, hp)
        m_hat = m / bc1
        rho_t, rect = self.rectifier(step, hp["beta2"], grads.dtype)
        adaptive = bc2.sqrt() / (v.sqrt() + hp["eps"])
        step_size = m_hat * lr
        update = torch.where(rho_t > 5.0, step_size * adaptive * rect, step_size)
        return params - update, {"m": m, "v": v, "step": step}

    def preconditioner(self, grads, state, hp):
        """(1−β₁ᵗ)·(√v + ε)/(r·√(1−β₂ᵗ)) once rectified, (1−β₁ᵗ) before: the step is η·m/P."""
        step, _, v, bc1, bc2 = self.moments(grads, state, hp)
        rho_t, rect = self.rectifier(step, hp["beta2"], grads.dtype)
        adaptive = bc1 * (v.sqrt() + hp["eps"]) / (rect * bc2.sqrt())
        return torch.where(rho_t > 5.0, adaptive, bc1.expand_as(v))

    def torch_equivalent(self, hp):
        return TorchEquivalent("RAdam", betas_and_eps(hp))
