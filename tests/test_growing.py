"""Records that grow with the steps taken: the buffer itself."""

import numpy as np
import pytest

from engine.core.growing import GrowingArray


def test_it_doubles_keeps_what_was_written_and_fills_the_rest():
    buffer = GrowingArray((2,), (3,), dtype=np.float32, capacity=4)
    buffer.array[:, :4] = np.arange(24, dtype=np.float32).reshape(2, 4, 3)
    buffer.reserve(5)
    assert buffer.capacity == 8
    assert buffer.array.dtype == np.float32
    np.testing.assert_array_equal(buffer.array[:, :4], np.arange(24).reshape(2, 4, 3))
    assert np.isnan(buffer.array[:, 4:]).all()
    buffer.reserve(20)  # more than double: doubled until it fits
    assert buffer.capacity == 32


def test_the_step_axis_may_follow_several_leading_ones():
    buffer = GrowingArray((4, 2), capacity=2)
    buffer.array[3, 1, :2] = (1.0, 2.0)
    view = buffer.view(5)
    assert view.shape == (4, 2, 5)
    np.testing.assert_array_equal(view[3, 1], [1.0, 2.0, np.nan, np.nan, np.nan])
    with pytest.raises(ValueError):
        view[0, 0, 0] = 1.0


def test_the_limit_caps_the_doubling_but_never_a_write():
    buffer = GrowingArray((1,), capacity=256, limit=300)
    buffer.reserve(257)
    assert buffer.capacity == 300
    assert GrowingArray((1,), capacity=256, limit=10).capacity == 10
    buffer.reserve(301)
    assert buffer.capacity == 301


def test_a_flag_buffer_fills_with_false():
    buffer = GrowingArray((2,), dtype=bool, fill=False, capacity=1)
    buffer.array[1, 0] = True
    buffer.reserve(3)
    np.testing.assert_array_equal(buffer.array, [[False] * 4, [True, False, False, False]])


def test_copied_rows_take_every_step_of_the_other_rows():
    mine, theirs = GrowingArray((3,), capacity=2), GrowingArray((2,), capacity=4)
    mine.array[:] = -1.0
    theirs.array[1, :3] = (5.0, 6.0, 7.0)
    mine.copy_rows(theirs, [0], [1])
    np.testing.assert_array_equal(mine.array[0], [5.0, 6.0, 7.0, np.nan])
    np.testing.assert_array_equal(mine.array[1:, :2], -1.0)
