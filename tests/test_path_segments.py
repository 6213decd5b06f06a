"""The segments a landscape path is drawn with, found from a frame's new steps only: at every
frame the same as those of the whole path."""

import numpy as np

from gui.landscape.path_segments import CLIP, MAX_PATH_SEGMENTS, GrowingPath, path_segments


def clipped(rows: np.ndarray, window) -> np.ndarray:
    """``rows`` within CLIP windows of ``window``, as the plots draw them."""
    (x0, x1), (y0, y1) = window
    low = (x0 - CLIP * (x1 - x0), y0 - CLIP * (y1 - y0))
    high = (x1 + CLIP * (x1 - x0), y1 + CLIP * (y1 - y0))
    return np.clip(rows, low, high)


def test_a_growing_path_draws_the_segments_of_the_whole_path_at_every_step():
    rng = np.random.default_rng(3)
    window = ((0.0, 1.0), (0.0, 1.0))
    walk = 0.5 + np.cumsum(rng.normal(0, 0.004, (6000, 2)), axis=0)
    cases = {
        "walk (thinned beyond the limit)": walk,
        "bounce": np.array([[0.2, 0.5], [0.8, 0.5]] * 300),
        "creep": np.column_stack([np.linspace(0.5, 0.52, 800), np.full(800, 0.5)]),
        "far off (clipped)": np.cumsum(rng.normal(0, 3, (800, 2)), axis=0),
        "blown up (NaN)": np.vstack([walk[:500], np.full((200, 2), np.nan)]),
    }
    for name, rows in cases.items():
        growing, count, thinned = GrowingPath(window), 0, False
        before, kept = np.zeros((0, 2)), 0
        while count < len(rows):
            count = min(len(rows), count + int(rng.integers(0, 40)))
            growing.extend(rows, count)
            drawn, stays = growing.segments()
            expected = path_segments(clipped(rows[:count], window), window)
            np.testing.assert_array_equal(drawn, expected, err_msg=f"{name} at {count}")
            thinned |= len(drawn) == 2 * MAX_PATH_SEGMENTS
            if len(drawn) < 2 * MAX_PATH_SEGMENTS:  # what was said to stay has stayed
                np.testing.assert_array_equal(drawn[:kept], before[:kept], err_msg=name)
            assert stays >= len(drawn) - 2 or len(drawn) == 2 * MAX_PATH_SEGMENTS, name
            before, kept = drawn, stays
        assert thinned == name.startswith("walk"), name
    growing.extend(cases["bounce"], 3)  # fewer steps than it has seen: another path
    np.testing.assert_array_equal(growing.segments()[0], path_segments(cases["bounce"][:3], window))
