from hypothesis import given
from hypothesis import strategies as st

from kite_app.domain.intervals import intersect, merge, subtract

spans = st.lists(st.tuples(st.integers(0, 200), st.integers(0, 40)).map(lambda t: (t[0], t[0] + t[1])), max_size=30)


def covered(intervals):
    return {x for a, b in intervals for x in range(a, b)}


def test_merge_joins_overlapping_and_touching():
    assert merge([(5, 8), (1, 3), (3, 4), (7, 10), (12, 12)]) == [(1, 4), (5, 10)]


def test_subtract_cuts_holes():
    assert subtract([(0, 10), (20, 30)], [(2, 3), (5, 22), (29, 40)]) == [(0, 2), (3, 5), (22, 29)]


@given(spans, spans)
def test_set_semantics(a, b):
    ma, mb = merge(a), merge(b)
    assert covered(ma) == covered(a)
    assert all(x[1] < y[0] for x, y in zip(ma, ma[1:], strict=False))
    assert covered(subtract(ma, mb)) == covered(a) - covered(b)
    assert covered(intersect(ma, mb)) == covered(a) & covered(b)
