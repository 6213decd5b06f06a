"""Beyond the article: the family in Ruder's overview and after, following ``torch.optim``'s
documented rules and defaults (Lion follows its paper). All on batched (runs, P) tensors."""

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
    step_counter,
    weight_decay,
    zeros_state,
)
from engine.optimizers.terms import VELOCITY, Term, gradient_step

torch = lazy_import("torch", __name__)


class HeavyBall(Optimizer):
    name = "momentum_torch"
    display_name = "Momentum (torch SGD)"
    rule = "b ← μ·b + g\nθ ← θ − η·b"
    reference = "Polyak (1964); Sutskever et al. (2013), as torch.optim.SGD(momentum=μ)"
    hyperparameters = (decay_rate("momentum", 0.9, "μ (momentum)"),)
    threshold_rule = "(2+2μ)/η"

    def init_state(self, params, hp):
        return zeros_state(params, "b")

    def stability_threshold(self, lr, hp):
        """b ← μb + λθ, θ ← θ − ηb: z² − (1 + μ − ηλ)z + μ has a root at −1 at ηλ = 2 + 2μ."""
        return (2.0 + 2.0 * hp["momentum"]) / lr

    def update(self, params, grads, state, lr, hp):
        b = hp["momentum"] * state["b"] + grads
        return params - lr * b, {"b": b}

    def step_terms(self, grads, state, new_state, lr, hp):
        """η·b = η·μ·b_prev + η·g."""
        kept = -(lr * (hp["momentum"] * state["b"]))
        return [
            gradient_step(grads, lr, part=True),
            Term("−η·μ·b  (velocity kept)", VELOCITY, kept, True),
        ]

    def torch_equivalent(self, hp):
        return TorchEquivalent("SGD", {"momentum": hp["momentum"]})


class Nesterov(HeavyBall):
    name = "nesterov"
    display_name = "Nesterov"
    rule = "b ← μ·b + g\nθ ← θ − η·(g + μ·b)"
    reference = "Nesterov (1983); Sutskever et al. (2013), as torch.optim.SGD(nesterov=True)"
    threshold_rule = "(2+2μ)/((1+2μ)η)"

    def stability_threshold(self, lr, hp):
        """b ← μb + λθ, θ ← θ − η(λθ + μb): characteristic z² − (1+μ)(1−ηλ)z + μ(1−ηλ), a root
        at −1 when ηλ = (2+2μ)/(1+2μ) (1.357/η at μ = 0.9)."""
        mu = hp["momentum"]
        return (2.0 + 2.0 * mu) / ((1.0 + 2.0 * mu) * lr)

    def update(self, params, grads, state, lr, hp):
        b = hp["momentum"] * state["b"] + grads
        return params - lr * (grads + hp["momentum"] * b), {"b": b}

    def step_terms(self, grads, state, new_state, lr, hp):
        """η·(g + μ·b): the gradient and the velocity looked ahead with (b after this update)."""
        ahead = -(lr * (hp["momentum"] * new_state["b"]))
        return [
            gradient_step(grads, lr, part=True),
            Term("−η·μ·b  (look-ahead)", VELOCITY, ahead, True),
        ]

    def torch_equivalent(self, hp):
        return TorchEquivalent("SGD", {"momentum": hp["momentum"], "nesterov": True})


class Adagrad(Optimizer):
    name = "adagrad"
    display_name = "Adagrad"
    rule = "s ← s + g²\nθ ← θ − η/(1 + (t−1)·δ) · g / (√s + ε)"
    reference = "Duchi, Hazan & Singer (2011), Adaptive Subgradient Methods"
    hyperparameters = (
        Hyperparameter("lr_decay", 0.0, "δ (learning-rate decay)", minimum=0.0),
        Hyperparameter("initial_accumulator_value", 0.0, "s₀ (initial sum)", minimum=0.0),
        epsilon(1e-10, "ε (added to √s)"),
    )
    preconditioned = True
    threshold_rule = GD_RULE

    def init_state(self, params, hp):
        total = torch.full_like(params, hp["initial_accumulator_value"])
        return {"sum": total, "step": step_counter(params)}

    def preconditioner(self, grads, state, hp):
        """(1 + (t−1)·δ)·(√s + ε): the learning-rate decay folded in."""
        decay = 1 + (next_step(state) - 1) * hp["lr_decay"]
        return decay * ((state["sum"] + grads.square()).sqrt() + hp["eps"])

    def stability_threshold(self, lr, hp):
        return gd_threshold(lr)

    def update(self, params, grads, state, lr, hp):
        step = next_step(state)
        total = state["sum"] + grads.square()
        clr = lr / (1 + (step - 1) * hp["lr_decay"])
        return params - clr * grads / (total.sqrt() + hp["eps"]), {"sum": total, "step": step}

    def torch_equivalent(self, hp):
        return TorchEquivalent(
            "Adagrad",
            {
                "lr_decay": hp["lr_decay"],
                "initial_accumulator_value": hp["initial_accumulator_value"],
                "eps": hp["eps"],
            },
        )


class Adadelta(Optimizer):
    name = "adadelta"
    display_name = "Adadelta"
    rule = "v ← ρ·v + (1−ρ)·g²\nΔ ← √(u + ε) / √(v + ε) · g\nu ← ρ·u + (1−ρ)·Δ²\nθ ← θ − η·Δ"
    reference = "Zeiler (2012), ADADELTA: An Adaptive Learning Rate Method"
    hyperparameters = (
        decay_rate("rho", 0.9, "ρ (running averages)"),
        epsilon(1e-6, "ε (inside both roots)"),
    )
    preconditioned = True
    threshold_rule = GD_RULE

    def init_state(self, params, hp):
        return zeros_state(params, "v", "u")

    def preconditioner(self, grads, state, hp):
        """√(v + ε) / √(u + ε): the step is η·g/P."""
        rho, eps = hp["rho"], hp["eps"]
        v = rho * state["v"] + (1 - rho) * grads.square()
        return (v + eps).sqrt() / (state["u"] + eps).sqrt()

    def stability_threshold(self, lr, hp):
        return gd_threshold(lr)

    def update(self, params, grads, state, lr, hp):
        rho, eps = hp["rho"], hp["eps"]
        v = rho * state["v"] + (1 - rho) * grads.square()
        delta = (state["u"] + eps).sqrt() / (v + eps).sqrt() * grads
        u = rho * state["u"] + (1 - rho) * delta.square()
        return params - lr * delta, {"v": v, "u": u}

    def torch_equivalent(self, hp):
        return TorchEquivalent("Adadelta", {"rho": hp["rho"], "eps": hp["eps"]})


class Adamax(Optimizer):
    name = "adamax"
    display_name = "Adamax"
    rule = "m ← β₁·m + (1−β₁)·g\nu ← max(β₂·u, |g| + ε)\nθ ← θ − η/(1−β₁ᵗ) · m / u"
    reference = "Kingma & Ba (2015), Adam, section 7.1 (the infinity norm)"
    hyperparameters = (*betas(0.9, 0.999), epsilon(1e-8, "ε (added to |g|)"))
    preconditioned = True
    threshold_rule = EMA_MOMENTUM_RULE

    def init_state(self, params, hp):
        return {**zeros_state(params, "m", "u"), "step": step_counter(params)}

    def preconditioner(self, grads, state, hp):
        """(1−β₁ᵗ)·u: the step is η·m/P."""
        beta1 = hp["beta1"]
        u = torch.maximum(hp["beta2"] * state["u"], grads.abs() + hp["eps"])
        (bc1,) = in_float64(next_step(state), lambda t: (1 - beta1**t,), grads.dtype)
        return bc1 * u

    def stability_threshold(self, lr, hp):
        return ema_momentum_threshold(lr, hp["beta1"])

    def update(self, params, grads, state, lr, hp):
        beta1, beta2 = hp["beta1"], hp["beta2"]
        step = next_step(state)
        m = torch.lerp(state["m"], grads, 1 - beta1)
        u = torch.maximum(beta2 * state["u"], grads.abs() + hp["eps"])
        (bc1,) = in_float64(step, lambda t: (1 - beta1**t,), grads.dtype)
        new = params - lr / bc1 * m / u
        return new, {"m": m, "u": u, "step": step}

    def torch_equivalent(self, hp):
        return TorchEquivalent("Adamax", betas_and_eps(hp))


class Lion(Optimizer):
    name = "lion"
    display_name = "Lion"
    rule = "c ← β₁·m + (1−β₁)·g\nθ ← θ − η·(sign(c) + λ·θ)\nm ← β₂·m + (1−β₂)·g"
    reference = "Chen et al. (2023), Symbolic Discovery of Optimization Algorithms"
    threshold_rule = "no known threshold: its step is a sign, the same size at any curvature"
    hyperparameters = (
        decay_rate("beta1", 0.9, "β₁ (update interpolation)"),
        decay_rate("beta2", 0.99, "β₂ (momentum)"),
        weight_decay(0.0),
    )

    def init_state(self, params, hp):
        return zeros_state(params, "m")

    def update(self, params, grads, state, lr, hp):
        beta1, beta2 = hp["beta1"], hp["beta2"]
        c = beta1 * state["m"] + (1 - beta1) * grads
        new = params - lr * (c.sign() + hp["weight_decay"] * params)
        return new, {"m": beta2 * state["m"] + (1 - beta2) * grads}

    def torch_equivalent(self, hp):
        return "Lion is not in torch.optim; the tests hold it to the paper's pseudo-code"
