"""Students' optimizer files the tests share: three rules written as the built-ins are, and
every kind of bad code with the line and words its message must have."""

SGD = """
name = "My SGD"
def update(params, grads, state, lr):
    return params - lr * grads, state
"""

MOMENTUM = """
name = "My momentum"
hyperparameters = {"beta": 0.9}
def init(params):
    return {"m": torch.zeros_like(params)}
def update(params, grads, state, lr, beta):
    m = beta * state["m"] + (1 - beta) * grads
    return params - lr * m, {"m": m}
"""

ADAM = """
name = "My Adam"
hyperparameters = {"beta1": 0.9, "beta2": 0.9, "eps": 1e-5, "bias_correction": False}
def init(params):
    return {"m": torch.zeros_like(params), "v": torch.zeros_like(params)}
def update(params, grads, state, lr, beta1, beta2, eps, bias_correction, step):
    m = beta1 * state["m"] + (1 - beta1) * grads
    v = beta2 * state["v"] + (1 - beta2) * grads**2
    if bias_correction:
        m_hat, v_hat = m / (1 - beta1**step), v / (1 - beta2**step)
    else:
        m_hat, v_hat = m, v
    return params - lr * m_hat / (v_hat.sqrt() + eps), {"m": m, "v": v}
"""

BAD_CODE = {
    "syntax error": (
        "def update(params, grads, state, lr):\n    return (params\n",
        2,
        "SyntaxError",
    ),
    "error in init": (
        "def init(params):\n    return {'m': torch.zeros_like(parms)}\n"
        "def update(params, grads, state, lr):\n    return params, state\n",
        2,
        "error in init: NameError: name 'parms' is not defined",
    ),
    "NameError at step 3": (
        "hyperparameters = {'beta': 0.9}\n"
        "def update(params, grads, state, lr, beta, step):\n"
        "    if step == 3:\n"
        "        return params - lr * bta * grads, state\n"
        "    return params - lr * grads, state\n",
        4,
        "error at step 3: NameError: name 'bta' is not defined",
    ),
    "wrong shape": (
        "def update(params, grads, state, lr):\n    return params[:, :2], state\n",
        1,
        "error at step 1: update returned params of shape",
    ),
    "wrong dtype": (
        "def update(params, grads, state, lr):\n    return params.double(), state\n",
        1,
        "torch.float64; they must keep shape",
    ),
    "NaN": (
        "def update(params, grads, state, lr):\n    return params * float('nan'), state\n",
        1,
        "error at step 1: update returned NaN from finite params and grads",
    ),
    "exit": (
        "def update(params, grads, state, lr):\n    raise SystemExit(3)\n",
        2,
        "error at step 1: SystemExit: 3",
    ),
    "missing update": (
        "def updat(params, grads, state, lr):\n    return params, state\n",
        None,
        "",
    ),
    "endless loop": (
        "def update(params, grads, state, lr):\n    while True:\n        pass\n",
        2,
        "error at step 1: did not return within 0.2 s (an endless loop?)",
    ),
}

NAME_ERROR_AT_3 = """hyperparameters = {"beta": 0.9}
def update(params, grads, state, lr, beta, step):
    if step == 3:
        return params - lr * bta * grads, state
    return params - lr * grads, state
"""

BAD_INIT = """def init(params):
    return {"m": torch.zeros_like(parms)}
def update(params, grads, state, lr):
    return params, state
"""
