"""The loss landscape: a plane through parameter space, the loss over a grid on it, and each
run's path drawn on it.

For a 2-D problem the plane is the parameter space itself, so the map is exact. For the MLP it
is the plane through the shared initial parameters θ₀ spanned by two directions (``BASES``):

- ``hessian``: the eigenvectors of the two largest Hessian eigenvalues at θ₀, the directions the
  loss curves up most steeply (fixed before training, so it can be drawn while runs play);
- ``pca``: the top two principal directions of every recorded point of every run pooled, taken
  about θ₀ rather than about their mean (the plane must pass through θ₀): the plane that keeps
  the pooled paths closest, in total squared distance;
- ``random``: two filter-normalised random directions (Li et al. 2018). Each column of a weight
  matrix is one filter, the incoming weights of one unit (columns of W1 for the hidden units,
  W2's single column for the output); it is rescaled to the norm of that column of θ₀. Biases get
  zero, as Li et al. do, so the plane keeps θ₀'s biases. Li et al.'s directions are kept as
  drawn, not orthonormalised (that would undo the filter scaling): plane coordinates are then in
  units of those directions and a point is placed on the plane by least squares.

The Hessian and PCA bases are orthonormal, so plane coordinates are distances in parameter space.
A projected path can cross contours it never touched: ``off_plane_distance`` says by how much.
"""

from __future__ import annotations

import numpy as np
import torch

from engine.analysis.plane import BASES, GRID_RESOLUTION, LossGrid, Plane
from engine.problems import Problem

CHUNK_NUMBERS = 2**22  # numbers one chunk of grid rows may touch: bounds the grid's memory


def parameter_plane(problem: Problem) -> Plane:
    """A 2-D problem's own (x, y) plane: coordinates are the parameters, exactly."""
    if problem.size != 2:
        raise ValueError(f"the {problem.name} problem has {problem.size} parameters, not two")
    names = problem.parameter_names
    return Plane(np.zeros(2), np.eye(2), "parameters", "the parameters themselves", names)


def hessian_plane(problem: Problem, origin: np.ndarray) -> Plane:
    """The plane through ``origin`` along its two sharpest Hessian eigenvectors."""
    origin = np.asarray(origin, dtype=np.float64)
    values, vectors = np.linalg.eigh(problem.hessian(torch.tensor(origin)).numpy())
    basis = _signed(vectors[:, [-1, -2]].T)
    text = f"the sharpest Hessian directions at θ₀ (λ₁ = {values[-1]:.3g}, λ₂ = {values[-2]:.3g})"
    return Plane(origin, basis, "hessian", text, ("along v₁", "along v₂"))


def pca_plane(problem: Problem, origin: np.ndarray, paths: np.ndarray) -> Plane:
    """The plane through ``origin`` closest to every finite point of ``paths`` (runs, steps, P),
    pooled. Directions the paths do not span (no steps yet, or a straight line) are filled in
    from the Hessian's."""
    origin = np.asarray(origin, dtype=np.float64)
    points = np.asarray(paths, dtype=np.float64).reshape(-1, origin.size)
    offsets = points[np.isfinite(points).all(axis=1)] - origin
    _, singular, vt = np.linalg.svd(offsets, full_matrices=False)
    spanned = int(np.sum(singular > 1e-12 * max(singular[:1].max(initial=0.0), 1e-300)))
    basis = list(vt[: min(spanned, 2)])
    if len(basis) < 2:
        for vector in hessian_plane(problem, origin).basis:
            for b in basis:
                vector = vector - (vector @ b) * b
            if len(basis) < 2 and np.linalg.norm(vector) > 1e-6:
                basis.append(vector / np.linalg.norm(vector))
    share = singular**2 / max(float(np.sum(singular**2)), 1e-300)
    shares = ", ".join(f"{s:.0%}" for s in share[:spanned][:2]) or "none"
    text = f"the principal directions of the paths (share of their spread: {shares})"
    return Plane(origin, _signed(np.array(basis)), "pca", text, ("PC 1", "PC 2"))


def random_plane(problem: Problem, origin: np.ndarray, seed: int) -> Plane:
    """Two filter-normalised random directions through ``origin`` (see the module's notes),
    drawn from a generator of their own, seeded from ``seed`` and mixed so they never repeat
    the stream θ₀ came from."""
    origin = np.asarray(origin, dtype=np.float64)
    mixed = (seed * 1_000_003 + 7) * 0xD1B54A32D192ED03 % 2**64
    generator = torch.Generator().manual_seed(mixed)
    directions = torch.randn(2, origin.size, generator=generator, dtype=torch.float64).numpy()
    theta = problem.unflatten(torch.tensor(origin)[None])
    for direction in directions:
        parts = problem.unflatten(torch.from_numpy(direction)[None])  # views into ``direction``
        for name, part in parts.items():
            weights, d = theta[name][0].numpy(), part[0].numpy()
            if weights.ndim < 2:
                d[...] = 0.0  # a bias
                continue
            norms = np.linalg.norm(d, axis=0)
            d *= np.linalg.norm(weights, axis=0) / np.where(norms > 0, norms, 1.0)
    text = f"filter-normalised random directions (seed {seed})"
    return Plane(origin, directions, "random", text, ("along δ", "along η"))


def make_plane(
    problem: Problem,
    origin: np.ndarray | None,
    basis: str = "hessian",
    *,
    seed: int = 0,
    paths: np.ndarray | None = None,
) -> Plane:
    """The plane the view draws: a 2-D problem's own, whatever ``basis`` and ``origin`` say;
    for the MLP the plane through ``origin`` (θ₀) with ``basis`` from ``BASES`` (``pca`` needs
    ``paths``, ``random`` uses ``seed``)."""
    if problem.is_surface:
        return parameter_plane(problem)
    if basis == "hessian":
        return hessian_plane(problem, origin)
    if basis == "pca":
        if paths is None:
            raise ValueError("a PCA plane needs the runs' paths")
        return pca_plane(problem, origin, paths)
    if basis == "random":
        return random_plane(problem, origin, seed)
    raise ValueError(f"basis must be one of {', '.join(BASES)}, not {basis!r}")


def _signed(basis: np.ndarray) -> np.ndarray:
    """Each direction with its largest component positive, so redrawing never mirrors the map."""
    flips = np.sign(basis[np.arange(len(basis)), np.abs(basis).argmax(axis=1)])
    return basis * np.where(flips == 0, 1.0, flips)[:, None]


# --- the loss over a grid ----------------------------------------------------------------


def loss_grid(
    problem: Problem,
    plane: Plane,
    x_range: tuple[float, float],
    y_range: tuple[float, float],
    resolution: int = GRID_RESOLUTION,
    dtype: torch.dtype = torch.float64,
) -> LossGrid:
    """The problem's loss (on its whole data) at resolution × resolution points of ``plane``
    covering the window, computed as rows of one batched evaluation, in chunks."""
    xs = np.linspace(*x_range, resolution)
    ys = np.linspace(*y_range, resolution)
    coordinates = np.stack(np.meshgrid(xs, ys), axis=-1).reshape(-1, 2)
    rows = torch.from_numpy(plane.points(coordinates)).to(dtype)
    chunk = max(1, CHUNK_NUMBERS // max(problem.evaluation_size, 1))
    with torch.no_grad():
        loss = torch.cat([problem.loss(part) for part in rows.split(chunk)])
    values = loss.to(torch.float64).numpy().reshape(resolution, resolution)
    return LossGrid(plane, xs, ys, np.where(np.isnan(values), np.inf, values))
