"""The model, data and hand-written gradient against autograd and the article's numbers."""

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.core.data import article_dataset, generated_dataset
from engine.core.model import ACTIVATIONS, ParameterLayout, initial_parameters, loss_and_gradient
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


@settings(max_examples=60, deadline=None)
@given(
    hidden=st.integers(1, 6),
    runs=st.integers(1, 4),
    seed=st.integers(0, 10_000),
    scale=st.floats(0.1, 3.0),
    activation=st.sampled_from(ACTIVATIONS),
)
def test_gradient_matches_autograd(hidden, runs, seed, scale, activation):
    data = article_dataset().to(torch.float64)
    layout = ParameterLayout(3, hidden, activation)
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
        expected = reference.mse(params, data.x, data.y, activation)
        expected.backward()
        torch.testing.assert_close(loss[r], expected.detach(), rtol=1e-12, atol=1e-12)
        torch.testing.assert_close(grad[r], leaf.grad, rtol=1e-10, atol=1e-12)


def _relu_as_it_was(flat, data, layout):
    """The model's loss and gradient exactly as written before activations were a setting."""
    p = layout.unflatten(flat)
    runs, n = flat.shape[0], data.x.shape[0]
    x = data.x.expand(runs, *data.x.shape)
    pre = torch.bmm(x, p["W1"]) + p["b1"].view(runs, 1, 1)
    hidden = torch.relu(pre)
    out = torch.bmm(hidden, p["W2"]) + p["b2"].view(runs, 1, 1)
    diff = out - data.y
    loss = diff.square().mean(dim=(1, 2))
    d_out = diff * (2.0 / n)
    g_w2 = torch.bmm(hidden.transpose(1, 2), d_out)
    g_b2 = d_out.sum(dim=(1, 2))
    d_pre = torch.bmm(d_out, p["W2"].transpose(1, 2)) * (pre > 0)
    g_w1 = torch.bmm(x.transpose(1, 2), d_pre)
    g_b1 = d_pre.sum(dim=(1, 2))
    parts = [g_w1.reshape(runs, -1), g_b1.view(runs, 1), g_w2.reshape(runs, -1), g_b2.view(runs, 1)]
    return loss, torch.cat(parts, dim=1)


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_relu_is_bit_for_bit_what_it_was(dtype):
    data = generated_dataset(40, 0.1, 5).to(dtype)
    layout = ParameterLayout(3, 4)
    assert layout.activation == "relu"
    generator = torch.Generator().manual_seed(1)
    flat = torch.randn(16, layout.size, generator=generator).to(dtype)
    loss, grad = loss_and_gradient(flat, data, layout)
    old_loss, old_grad = _relu_as_it_was(flat, data, layout)
    assert torch.equal(loss, old_loss) and torch.equal(grad, old_grad)


def test_an_unknown_activation_is_refused():
    with pytest.raises(
        ValueError, match="activation must be one of relu, tanh, softplus, not 'gelu'"
    ):
        ParameterLayout(3, 3, "gelu")
