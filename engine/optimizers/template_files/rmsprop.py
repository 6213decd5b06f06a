"""RMSprop (Tieleman & Hinton, 2012): divide each parameter's step by its typical slope.

v ← ρ·v + (1−ρ)·g², then θ ← θ − η·g / (√v + ε). A steep direction and a flat one then move
at about the same pace. Equals the built-in RMSprop bit for bit (Check compares them).
"""

name = "My RMSprop"
hyperparameters = {"rho": 0.9, "eps": 1e-5}  # ρ: how much of the average each step keeps


def init(params):
    # the average of the squared gradient starts at zero
    return {"v": torch.zeros_like(params)}


def update(params, grads, state, lr, rho, eps):
    v = rho * state["v"] + (1 - rho) * grads**2  # running average of g², per parameter
    # √v is the gradient's typical size; ε keeps the division finite where v is still 0
    return params - lr * grads / (torch.sqrt(v) + eps), {"v": v}
