"""The article's four optimizers, with its defaults and with lr applied to momentum."""

from __future__ import annotations

from engine.core.lazy import lazy_import
from engine.optimizers.base import (
    EMA_MOMENTUM_RULE,
    GD_RULE,
    Hyperparameter,
    Optimizer,
    TorchEquivalent,
    betas,
    betas_and_eps,
    decay_rate,
    ema_momentum_threshold,
    epsilon,
    gd_threshold,
    in_float64,
    next_step,
)
from engine.optimizers.terms import (
    GRADIENT,
    GRADIENT_SHARE,
    SCALED,
    UNSCALED,
    VELOCITY,
    Term,
    gradient_step,
)

torch = lazy_import("torch", __name__)

ARTICLE = "Optimizers from Scratch (the article this app reproduces)"


class SGD(Optimizer):
    name = "sgd"
    display_name = "SGD"
    rule = "θ ← θ − η·g"
    reference = "Robbins & Monro (1951), A Stochastic Approximation Method"
    threshold_rule = GD_RULE

    def update(self, params, grads, state, lr, hp):
        return params - lr * grads, {}

    def step_terms(self, grads, state, new_state, lr, hp):
        return [gradient_step(grads, lr, part=True)]

    def stability_threshold(self, lr, hp):
        return gd_threshold(lr)

    def torch_equivalent(self, hp):
        return TorchEquivalent("SGD", {})


class Momentum(Optimizer):
    name = "momentum"
    display_name = "Momentum"
    rule = "m ← β·m + (1−β)·g\nθ ← θ − η·m"
    reference = f"Polyak (1964); the exponential-average form of {ARTICLE}"
    hyperparameters = (decay_rate("beta", 0.9, "β (momentum)"),)
    threshold_rule = "(2+2β)/((1−β)η)"

    def init_state(self, params, hp):
        return {"m": torch.zeros_like(params)}

    def stability_threshold(self, lr, hp):
        return ema_momentum_threshold(lr, hp["beta"])

    def update(self, params, grads, state, lr, hp):
        beta = hp["beta"]
        m = beta * state["m"] + (1.0 - beta) * grads
        return params - lr * m, {"m": m}

    def step_terms(self, grads, state, new_state, lr, hp):
        """η·m = η·β·m_prev + η·(1−β)·g: the velocity kept and this gradient's share."""
        beta = hp["beta"]
        return [
            gradient_step(grads, lr, part=False),
            Term("−η·β·m  (velocity kept)", VELOCITY, -(lr * (beta * state["m"])), True),
            Term("−η·(1−β)·g", GRADIENT_SHARE, -(lr * ((1.0 - beta) * grads)), True),
        ]

    def torch_equivalent(self, hp):
        return (
            "the article's momentum has no torch.optim twin: torch's SGD keeps m ← β·m + g "
            "(its buffer starts at g), not the average β·m + (1−β)·g"
        )


class RMSprop(Optimizer):
    name = "rmsprop"
    display_name = "RMSprop"
    rule = "v ← ρ·v + (1−ρ)·g²\nθ ← θ − η·g / (√v + ε)"
    reference = "Tieleman & Hinton (2012), Lecture 6.5, Neural Networks for Machine Learning"
    hyperparameters = (decay_rate("rho", 0.9, "ρ (squared-gradient average)"), epsilon(1e-5))
    preconditioned = True
    threshold_rule = GD_RULE

    def init_state(self, params, hp):
        return {"v": torch.zeros_like(params)}

    def preconditioner(self, grads, state, hp):
        rho = hp["rho"]
        return (rho * state["v"] + (1.0 - rho) * grads.square()).sqrt() + hp["eps"]

    def stability_threshold(self, lr, hp):
        return gd_threshold(lr)

    def update(self, params, grads, state, lr, hp):
        rho = hp["rho"]
        v = rho * state["v"] + (1.0 - rho) * grads.square()
        return params - lr * grads / (v.sqrt() + hp["eps"]), {"v": v}

    def step_terms(self, grads, state, new_state, lr, hp):
        """The gradient step before and after dividing by √v + ε."""
        scaled = -(lr * grads / (new_state["v"].sqrt() + hp["eps"]))
        return [
            Term("−η∇f  (before ÷ (√v+ε))", GRADIENT, -(lr * grads), False),
            Term("−η·g/(√v+ε)", SCALED, scaled, True),
        ]

    def torch_equivalent(self, hp):
        return TorchEquivalent("RMSprop", {"alpha": hp["rho"], "eps": hp["eps"]})


class Adam(Optimizer):
    name = "adam"
    display_name = "Adam"
    rule = (
        "m ← β₁·m + (1−β₁)·g\n"
        "v ← β₂·v + (1−β₂)·g²\n"
        "with bias correction: m̂ = m/(1−β₁ᵗ), v̂ = v/(1−β₂ᵗ)\n"
        "θ ← θ − η·m̂ / (√v̂ + ε)"
    )
    reference = "Kingma & Ba (2015), Adam: A Method for Stochastic Optimization"
    hyperparameters = (
        *betas(0.9, 0.9),
        epsilon(1e-5),
        Hyperparameter("bias_correction", False, "bias correction"),
    )
    preconditioned = True
    threshold_rule = EMA_MOMENTUM_RULE

    def init_state(self, params, hp):
        zeros = torch.zeros_like(params)
        return {"m": zeros, "v": zeros.clone(), "step": torch.zeros_like(params[:, :1])}

    def preconditioner(self, grads, state, hp):
        """√v + ε, or with bias correction (1−β₁ᵗ)·(√v̂ + ε): the step is η·m/P."""
        beta1, beta2 = hp["beta1"], hp["beta2"]
        v = beta2 * state["v"] + (1.0 - beta2) * grads.square()
        if not hp["bias_correction"]:
            return v.sqrt() + hp["eps"]
        t = next_step(state)
        bc1, bc2 = in_float64(t, lambda t: (1 - beta1**t, 1 - beta2**t), grads.dtype)
        return bc1 * ((v / bc2).sqrt() + hp["eps"])

    def stability_threshold(self, lr, hp):
        return ema_momentum_threshold(lr, hp["beta1"])

    def update(self, params, grads, state, lr, hp):
        beta1, beta2 = hp["beta1"], hp["beta2"]
        step = next_step(state)
        m = beta1 * state["m"] + (1.0 - beta1) * grads
        v = beta2 * state["v"] + (1.0 - beta2) * grads.square()
        m_hat, v_hat = self._corrected(m, v, step, hp)
        new = params - lr * m_hat / (v_hat.sqrt() + hp["eps"])
        return new, {"m": m, "v": v, "step": step}

    def step_terms(self, grads, state, new_state, lr, hp):
        """−η·m̂ before and after dividing by √v̂ + ε (m and v without bias correction)."""
        m_hat, v_hat = self._corrected(new_state["m"], new_state["v"], new_state["step"], hp)
        m, v = ("m̂", "v̂") if hp["bias_correction"] else ("m", "v")
        return [
            gradient_step(grads, lr, part=False),
            Term(f"−η·{m}  (before ÷ (√{v}+ε))", UNSCALED, -(lr * m_hat), False),
            Term(f"−η·{m}/(√{v}+ε)", SCALED, -(lr * m_hat / (v_hat.sqrt() + hp["eps"])), True),
        ]

    @staticmethod
    def _corrected(m, v, step, hp):
        """m̂ and v̂: m and v divided by 1 − βᵗ where bias correction is on."""
        if not hp["bias_correction"]:
            return m, v
        beta1, beta2 = hp["beta1"], hp["beta2"]
        bc1, bc2 = in_float64(step, lambda t: (1 - beta1**t, 1 - beta2**t), m.dtype)
        return m / bc1, v / bc2

    def torch_equivalent(self, hp):
        if not hp["bias_correction"]:
            return "torch's Adam always corrects the bias of m and v; tick bias correction"
        return TorchEquivalent("Adam", betas_and_eps(hp))


class RMSpropTorch(RMSprop):
    name = "rmsprop_torch"
    display_name = "RMSprop (torch defaults)"
    hyperparameters = (decay_rate("rho", 0.99, "ρ (squared-gradient average)"), epsilon(1e-8))


class AdamTorch(Adam):
    name = "adam_torch"
    display_name = "Adam (torch defaults)"
    hyperparameters = (
        *betas(0.9, 0.999),
        epsilon(1e-8),
        Hyperparameter("bias_correction", True, "bias correction"),
    )
