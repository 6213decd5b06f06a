"""Sharpness: the largest eigenvalue of the loss's Hessian, for every run at once.

Gradient descent at learning rate η is stable along a direction of curvature λ only while
λ < 2/η; adaptive rules divide the gradient by a per-coordinate denominator P, and then what
matters is the *preconditioned* sharpness, the largest eigenvalue of P^{-1/2}·H·P^{-1/2}.
The model is small, so the Hessians are exact: written out by hand for the one-hidden-layer
MLP (checked against autograd and finite differences in the tests), batched over runs, in
float64; a 2-D surface's 2×2 ones come from autograd on its hand-written gradient. Two ways
to their top eigenvalue: ``eigvalsh`` of every matrix, or Lanczos started from the previous
step's eigenvector (``WarmLanczos``), which needs a few matrix products.
"""

from __future__ import annotations

import numpy as np
import torch

from engine.analysis.readings import threshold_at
from engine.core.data import Dataset
from engine.core.growing import GrowingArray
from engine.core.model import ParameterLayout, activate
from engine.experiment.batched import BatchedExperiment
from engine.problems import MLPProblem, Problem, Surface

METHODS = ("exact", "lanczos")


def _slopes(pre: torch.Tensor, activation: str) -> tuple[torch.Tensor, torch.Tensor]:
    """The activation's first and second derivatives at ``pre``."""
    if activation == "tanh":
        a = torch.tanh(pre)
        first = 1.0 - a.square()
        return first, -2.0 * a * first
    if activation == "softplus":
        s = torch.sigmoid(pre)
        return s, s * (1.0 - s)
    return (pre > 0).to(pre.dtype), torch.zeros_like(pre)  # ReLU: 0 almost everywhere


def loss_hessians(rows: torch.Tensor, data: Dataset, layout: ParameterLayout) -> torch.Tensor:
    """The exact (R, P, P) Hessians of the mean squared error at (R, P) parameter rows.

    With r = out − y and J the Jacobian of the outputs, H = (2/N)·(JᵀJ + Σₙ rₙ·∇²outₙ).
    The second term only couples a hidden unit's incoming weights (W1[:, h] and the shared
    b1) with each other and with its outgoing weight W2[h]. Computed in float64.
    """
    theta = rows.detach().to(torch.float64)
    x, y = data.x.to(torch.float64), data.y.to(torch.float64)
    runs, (n, d), h = theta.shape[0], x.shape, layout.hidden
    p = layout.unflatten(theta)
    w1, b1, w2 = p["W1"], p["b1"].view(runs, 1, 1), p["W2"].view(runs, 1, h)
    pre = torch.matmul(x, w1) + b1  # (R, N, H)
    hidden = activate(pre, layout.activation)
    out = (hidden * w2).sum(dim=2) + p["b2"].view(runs, 1)  # (R, N)
    scaled_residual = (out - y[:, 0]) * (2.0 / n)  # (R, N)
    first, second = _slopes(pre, layout.activation)

    slope_out = first * w2  # d out / d pre, (R, N, H)
    jacobian = torch.cat(
        [
            (x[None, :, :, None] * slope_out[:, :, None, :]).reshape(runs, n, d * h),
            slope_out.sum(dim=2, keepdim=True),
            hidden,
            torch.ones(runs, n, 1, dtype=torch.float64),
        ],
        dim=2,
    )  # (R, N, P)
    hessian = torch.bmm(jacobian.transpose(1, 2), jacobian) * (2.0 / n)

    # r·∇²out: per hidden unit, curvature c = r·σ''·W2 among its inputs, r·σ' to its W2
    curve = scaled_residual[:, :, None] * second * w2  # (R, N, H)
    cross = scaled_residual[:, :, None] * first  # (R, N, H)
    s_w1, s_b1, s_w2 = layout.slices["W1"], layout.slices["b1"].start, layout.slices["W2"]
    w1w1 = torch.einsum("rnh,nd,ne->rdeh", curve, x, x)  # (R, D, D, H), diagonal in h
    w1w1 = torch.diag_embed(w1w1).permute(0, 1, 3, 2, 4).reshape(runs, d * h, d * h)
    hessian[:, s_w1, s_w1] += w1w1
    w1b1 = torch.einsum("rnh,nd->rdh", curve, x).reshape(runs, d * h)
    hessian[:, s_w1, s_b1] += w1b1
    hessian[:, s_b1, s_w1] += w1b1
    hessian[:, s_b1, s_b1] += curve.sum(dim=(1, 2))
    w1w2 = torch.diag_embed(torch.einsum("rnh,nd->rdh", cross, x)).reshape(runs, d * h, h)
    hessian[:, s_w1, s_w2] += w1w2
    hessian[:, s_w2, s_w1] += w1w2.transpose(1, 2)
    b1w2 = cross.sum(dim=1)  # (R, H)
    hessian[:, s_b1, s_w2] += b1w2
    hessian[:, s_w2, s_b1] += b1w2
    return hessian


def surface_hessians(surface: Surface, rows: torch.Tensor) -> torch.Tensor:
    """The exact (R, 2, 2) Hessians of a 2-D surface at (R, 2) rows, in float64. A row's loss
    depends on that row alone, so one autograd pass per coordinate of the summed hand-written
    gradient gives that Hessian row for every run at once."""
    point = rows.detach().to(torch.float64).requires_grad_(True)
    gradients = surface.gradient(point[:, 0], point[:, 1])
    out = []
    for i, g in enumerate(gradients):
        if not g.requires_grad:  # constant in both coordinates
            out.append(torch.zeros_like(point))
            continue
        (row,) = torch.autograd.grad(g.sum(), point, retain_graph=i == 0, allow_unused=True)
        out.append(torch.zeros_like(point) if row is None else row)
    return torch.stack(out, dim=1).detach()


def problem_hessians(problem: Problem, rows: torch.Tensor) -> torch.Tensor:
    """The exact (R, P, P) Hessians of ``problem``'s loss on all its data at (R, P) rows, in
    float64: batched by hand for the MLP and for a surface, else one row at a time."""
    if isinstance(problem, MLPProblem):
        return loss_hessians(rows, problem.data, problem.layout)
    if isinstance(problem, Surface):
        return surface_hessians(problem, rows)
    size = problem.size
    if not len(rows):
        return torch.empty(0, size, size, dtype=torch.float64)
    return torch.stack([problem.hessian(row) for row in rows])


def precondition(hessians: torch.Tensor, denominators: torch.Tensor) -> torch.Tensor:
    """P^{-1/2}·H·P^{-1/2} for (R, P, P) Hessians and (R, P) diagonals P, in float64."""
    scale = denominators.to(torch.float64).rsqrt()
    return hessians * scale[:, :, None] * scale[:, None, :]


def _usable(matrices: torch.Tensor) -> torch.Tensor:
    """(R,) True where a matrix has only finite entries (its sum is finite exactly then, or
    it overflows: unusable either way)."""
    return torch.isfinite(matrices.sum(dim=(1, 2)))


def top_eigenvalues(matrices: torch.Tensor) -> np.ndarray:
    """The largest eigenvalue of each symmetric (R, P, P) matrix, as an (R,) float64 array;
    NaN where a matrix has a non-finite entry."""
    out = np.full(matrices.shape[0], np.nan)
    usable = _usable(matrices)
    if bool(usable.any()):
        values = torch.linalg.eigvalsh(matrices[usable])[:, -1]
        out[usable.numpy()] = values.numpy()
    return out


def _orthogonalize(w: torch.Tensor, basis: torch.Tensor) -> torch.Tensor:
    """(k, P) vectors minus their projections on (k, j, P) orthonormal rows; twice is enough."""
    for _ in range(2):
        w = w - torch.bmm(torch.bmm(w[:, None, :], basis.transpose(1, 2)), basis)[:, 0]
    return w


class WarmLanczos:
    """The top eigenvalue of each run's matrix by Lanczos iteration, started from the top
    eigenvector it found for that run last time: when the matrix has moved little since (one
    training step), a few matrix-vector products pin it down, where ``eigvalsh`` costs P³.

    Iterates until every run's Ritz residual ‖Hy − θy‖ is at most ``tol``·|θ|, which puts an
    eigenvalue of H within that relative distance of θ. The basis is kept orthogonal in full
    and restarted from the Ritz vector after ``basis`` vectors; runs still unconverged after
    ``max_products`` products get ``eigvalsh``. A fresh random tenth mixed into each warm
    start keeps a new top direction reachable after two eigenvalues cross: started from an
    exact eigenvector, Lanczos would stop there at once, on what is now the second one.
    """

    def __init__(
        self,
        n_runs: int,
        size: int,
        tol: float = 1e-4,
        basis: int = 24,
        max_products: int = 200,
        seed: int = 0,
    ):
        self.tol, self.basis, self.max_products = tol, min(basis, size), max_products
        self._generator = torch.Generator().manual_seed(seed)
        self._vectors = self._random(n_runs, size)
        self.products = 0  # matrix-vector products in the last call, for the benchmark

    def __call__(self, matrices: torch.Tensor, runs: np.ndarray) -> np.ndarray:
        """Top eigenvalues of (k, P, P) symmetric ``matrices``, those of ``runs`` (k indices),
        as a (k,) float64 array; NaN where a matrix has a non-finite entry."""
        out = np.full(len(runs), np.nan)
        usable = _usable(matrices)
        every = bool(usable.all())
        if not (every or usable.any()):
            return out
        index = torch.as_tensor(np.asarray(runs, dtype=np.int64))
        a = matrices.to(torch.float64)
        if not every:
            a, index = a[usable], index[usable]
        start = self._vectors[index] + 0.1 * self._random(len(index), a.shape[1])
        values, vectors, converged = self._iterate(a, start / start.norm(dim=1, keepdim=True))
        if not bool(converged.all()):
            exact, exact_vectors = torch.linalg.eigh(a[~converged])
            values[~converged] = exact[:, -1]
            vectors[~converged] = exact_vectors[:, :, -1]
        self._vectors[index] = vectors
        out[usable.numpy()] = values.numpy()
        return out

    def _random(self, rows: int, size: int) -> torch.Tensor:
        noise = torch.randn(rows, size, dtype=torch.float64, generator=self._generator)
        return noise / noise.norm(dim=1, keepdim=True)

    def _iterate(self, a: torch.Tensor, vector: torch.Tensor):
        """Restarted Lanczos on all matrices together until all converge or the budget ends."""
        k, m = a.shape[0], self.basis
        self.products = 0
        while True:
            basis = torch.empty(k, m, a.shape[1], dtype=torch.float64)
            tri = torch.zeros(k, m, m, dtype=torch.float64)
            basis[:, 0] = vector
            for j in range(m):
                w = torch.bmm(a, basis[:, j, :, None])[:, :, 0]
                self.products += 1
                tri[:, j, j] = (w * basis[:, j]).sum(dim=1)
                done = basis[:, : j + 1]
                w = _orthogonalize(w, done)
                beta = w.norm(dim=1)
                theta, s = torch.linalg.eigh(tri[:, : j + 1, : j + 1])
                converged = beta * s[:, -1, -1].abs() <= self.tol * theta[:, -1].abs()
                if j + 1 == m or bool(converged.all()):
                    break
                # an invariant subspace (β ≈ 0): go on from a new direction orthogonal to it
                stuck = beta <= 1e-12 * theta.abs().amax(dim=1)
                if bool(stuck.any()):
                    fresh = _orthogonalize(self._random(k, a.shape[1]), done)
                    w = torch.where(stuck[:, None], fresh, w)
                    beta = torch.where(stuck, torch.zeros_like(beta), beta)
                tri[:, j, j + 1] = tri[:, j + 1, j] = beta
                basis[:, j + 1] = w / w.norm(dim=1, keepdim=True)
            vector = torch.bmm(s[:, None, :, -1], basis[:, : j + 1])[:, 0]
            vector = vector / vector.norm(dim=1, keepdim=True)
            if m == a.shape[1]:  # the whole space: the Ritz value is exact
                converged = torch.ones_like(converged)
            if bool(converged.all()) or self.products >= self.max_products:
                return theta[:, -1].clone(), vector, converged


class SharpnessTracker:
    """λ, and for adaptive rules the preconditioned λ, of every run of an experiment, per step.

    "λ at step k" is taken at the parameters whose loss the experiment records as step k, so
    step 0 is the initial parameters. Call ``record`` before the first step and after each
    (or let ``step`` and ``run_to_end`` do it); a step not a multiple of ``every`` is skipped,
    and so is a run that has stopped. ``method`` "exact" takes every eigenvalue with
    ``eigvalsh``; "lanczos" uses ``WarmLanczos`` (to 1e-4 relative), cheaper from about 60
    parameters on. Arrays are (runs, steps), float64, NaN where nothing was computed; ``steps``
    covers every loss the experiment recorded and every step a value was computed at, and the
    arrays grow with it.
    """

    def __init__(self, experiment: BatchedExperiment, every: int = 1, method: str = "exact"):
        if isinstance(every, bool) or not isinstance(every, int) or every < 1:
            raise ValueError(f"every must be a whole number of steps, at least 1, not {every!r}")
        if method not in METHODS:
            raise ValueError(f"method must be one of {', '.join(METHODS)}, not {method!r}")
        self.experiment, self.every, self.method = experiment, every, method
        self.reset()

    def reset(self) -> None:
        """Forget every value: for the experiment back at step 0 (after its reset/configure)."""
        experiment = self.experiment
        runs, limit = len(experiment.runs), experiment.config.max_steps
        self._sharpness = GrowingArray((runs,), limit=limit)
        self._preconditioned = GrowingArray((runs,), limit=limit)
        self._computed = GrowingArray((runs,), dtype=bool, fill=False, limit=limit)
        self._computed_steps = 0  # 1 + the latest step a value was computed at
        self._adaptive = np.array([r.optimizer.optimizer.preconditioned for r in experiment.runs])
        size = experiment.problem.size
        self._solvers = (
            (WarmLanczos(runs, size), WarmLanczos(runs, size)) if self.method == "lanczos" else None
        )

    # --- reading -------------------------------------------------------------------------

    @property
    def steps(self) -> int:
        """The columns of the arrays: the experiment's losses, and the latest step computed."""
        counts = self.experiment.counts
        return max(int(counts.max()) if counts.size else 0, self._computed_steps)

    @property
    def sharpness(self) -> np.ndarray:
        """λ: the largest eigenvalue of the loss's Hessian on all the data. Read-only."""
        return self._sharpness.view(self.steps)

    @property
    def preconditioned(self) -> np.ndarray:
        """The largest eigenvalue of P^{-1/2}·H·P^{-1/2}, P the denominator of the run's next
        update; NaN for runs whose optimizer divides by none. Read-only."""
        return self._preconditioned.view(self.steps)

    @property
    def computed(self) -> np.ndarray:
        """(runs, steps) True where a value was computed (it may be NaN: a non-finite run)."""
        return self._computed.view(self.steps)

    @property
    def nbytes(self) -> int:
        """Memory its arrays hold: they grow with the steps taken."""
        buffers = (self._sharpness, self._preconditioned, self._computed)
        return sum(buffer.nbytes for buffer in buffers)

    @property
    def adaptive(self) -> np.ndarray:
        """(runs,) True where the run's threshold bounds its preconditioned sharpness."""
        return self._adaptive.copy()

    def effective_sharpness(self) -> np.ndarray:
        """What each run's threshold bounds: preconditioned λ for adaptive runs, else λ."""
        return np.where(self._adaptive[:, None], self.preconditioned, self.sharpness)

    @property
    def thresholds(self) -> np.ndarray:
        """(runs,) each run's stability threshold at its own learning rate; NaN if none known."""
        return np.array([threshold_at(run.optimizer, run.lr) for run in self.experiment.runs])

    def threshold_buffer(self) -> np.ndarray:
        """(runs, steps) the threshold at the learning rate each recorded step used (it
        moves with a schedule); NaN where no step was recorded or no threshold is known."""
        lrs = self.experiment.lr_buffer
        return np.stack(
            [threshold_at(run.optimizer, lrs[run.index]) for run in self.experiment.runs]
        )

    # --- computing -----------------------------------------------------------------------

    def record(self) -> int:
        """Compute the values at each running run's current parameters, filed under the step
        whose loss those parameters give (the run's loss count); returns how many runs were
        computed (0 when none was due). Calling it twice is harmless."""
        experiment = self.experiment
        steps = experiment.counts
        due = experiment.running & (steps % self.every == 0)
        rows = np.flatnonzero(due)
        if not rows.size:
            return 0
        self._computed_steps = max(self._computed_steps, int(steps[rows].max()) + 1)
        for buffer in (self._sharpness, self._preconditioned, self._computed):
            buffer.reserve(self._computed_steps)
        rows = rows[~self._computed.array[rows, steps[rows]]]
        if not rows.size:
            return 0
        at = steps[rows]
        hessians = problem_hessians(experiment.problem, experiment.current_parameters()[rows])
        self._sharpness.array[rows, at] = self._top(0, hessians, rows)
        adaptive = self._adaptive[rows]
        if adaptive.any():
            denominators = experiment.preconditioners()[rows[adaptive]]
            matrices = precondition(hessians[torch.from_numpy(adaptive)], denominators)
            self._preconditioned.array[rows[adaptive], at[adaptive]] = self._top(
                1, matrices, rows[adaptive]
            )
        self._computed.array[rows, at] = True
        return int(rows.size)

    def step(self, n: int = 1) -> int:
        """Advance the experiment by up to ``n`` steps, recording around each; steps taken."""
        taken = 0
        self.record()
        while taken < n and self.experiment.step(1):
            taken += 1
            self.record()
        return taken

    def run_to_end(self) -> None:
        self.record()
        while self.experiment.step(1):
            self.record()

    def _top(self, which: int, matrices: torch.Tensor, rows: np.ndarray) -> np.ndarray:
        if self._solvers is None:
            return top_eigenvalues(matrices)
        return self._solvers[which](matrices, rows)
