"""Adam (Kingma & Ba, 2015): Momentum's average direction, scaled by RMSprop's typical slope.

m ← β₁·m + (1−β₁)·g and v ← β₂·v + (1−β₂)·g², then θ ← θ − η·m / (√v + ε). With bias
correction, m and v are first divided by 1 − βᵗ. Equals the built-in Adam bit for bit, with
bias correction or without (Check compares them).
"""

name = "My Adam"
hyperparameters = {"beta1": 0.9, "beta2": 0.9, "eps": 1e-5, "bias_correction": False}


def init(params):
    # both averages start at zero
    return {"m": torch.zeros_like(params), "v": torch.zeros_like(params)}


def update(params, grads, state, lr, beta1, beta2, eps, bias_correction, step):
    # step is this update's number: 1 on the first (the app counts; it is not in state)
    m = beta1 * state["m"] + (1 - beta1) * grads  # the average gradient: where to go
    v = beta2 * state["v"] + (1 - beta2) * grads**2  # the average g²: how steep it is
    if bias_correction:
        # averages that start at zero are too small at first: 1 − βᵗ undoes that
        m_hat, v_hat = m / (1 - beta1**step), v / (1 - beta2**step)
    else:
        m_hat, v_hat = m, v
    return params - lr * m_hat / (torch.sqrt(v_hat) + eps), {"m": m, "v": v}
