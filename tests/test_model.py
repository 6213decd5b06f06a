"""The model, data and hand-written gradient against autograd and the article's numbers."""

import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.data import article_dataset
from engine.model import ParameterLayout, initial_parameters, loss_and_gradient
from tests import reference


def test_labels_are_the_articles_column():
    data = article_dataset()
    assert data.x.shape == (5, 3) and data.y.shape == (5, 1)
    printed = torch.tensor([4.6334, 4.3512, 4.1774, 4.2002, 4.1758])
    torch.testing.assert_close(data.y[:, 0], printed, atol=5e-5, rtol=0)


def test_initial_parameters_follow_manual_seed_then_randn_in_order():
    layout = ParameterLayout(3, 3)
    flat = initial_parameters(7, layout)
    expected = reference.initial_parameters(7, 3, torch.float32)
    parts = layout.unflatten(flat[None])
    for name, tensor in zip(("W1", "b1", "W2", "b2"), expected):
        assert torch.equal(parts[name][0], tensor.detach())
    assert layout.size == 3 * 3 + 1 + 3 + 1


@settings(max_examples=30, deadline=None)
@given(
    hidden=st.integers(1, 6),
    runs=st.integers(1, 4),
    seed=st.integers(0, 10_000),
    scale=st.floats(0.1, 3.0),
)
def test_gradient_matches_autograd(hidden, runs, seed, scale):
    data = article_dataset().to(torch.float64)
    layout = ParameterLayout(3, hidden)
    flat = (
        torch.randn(
            runs, layout.size, dtype=torch.float64, generator=torch.Generator().manual_seed(seed)
        )
        * scale
    )
    loss, grad = loss_and_gradient(flat, data, layout)
    for r in range(runs):
        leaf = flat[r].clone().requires_grad_()
        p = layout.unflatten(leaf[None])
        params = [p[k][0] for k in ("W1", "b1", "W2", "b2")]
        expected = reference.mse(params, data.x, data.y)
        expected.backward()
        torch.testing.assert_close(loss[r], expected.detach(), rtol=1e-12, atol=1e-12)
        torch.testing.assert_close(grad[r], leaf.grad, rtol=1e-10, atol=1e-12)
