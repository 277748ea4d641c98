"""Matching a connection's deliveries to the posts of its session: in order, at most once, a
visibly failed post needing no delivery but still allowed to have arrived."""

from __future__ import annotations

from models.ipc.delivery import Mismatch, _match_connection
from models.ipc.observe import Delivery, Posted


def _posts(*texts_failed: tuple[str, bool]) -> list[Posted]:
    return [Posted(i, text, 0, seq=i, session=1, returned=True, failed_visibly=failed)
            for i, (text, failed) in enumerate(texts_failed)]


def _match(posts: list[Posted], *texts: str) -> tuple[set[int], list[Mismatch]]:
    matched: set[int] = set()
    mismatches: list[Mismatch] = []
    deliveries = [Delivery(text, 1, 10 + i) for i, text in enumerate(texts)]
    _match_connection(1, deliveries, posts, posts, matched, mismatches)
    return matched, mismatches


def test_a_delivery_after_a_failed_post_of_the_same_text_is_the_later_posts() -> None:
    matched, mismatches = _match(_posts(("a", True), ("a", False)), "a")
    assert matched == {1} and mismatches == []


def test_a_failed_post_that_arrived_anyway_is_not_taken_for_a_duplicate() -> None:
    matched, mismatches = _match(_posts(("a", True), ("a", False)), "a", "a")
    assert matched == {0, 1} and mismatches == []


def test_a_third_delivery_of_two_posts_is_a_duplicate() -> None:
    _, mismatches = _match(_posts(("a", True), ("a", False)), "a", "a", "a")
    assert [m.why for m in mismatches] == ["again, or out of order"]


def test_deliveries_out_of_posting_order_are_reported() -> None:
    _, mismatches = _match(_posts(("a", False), ("b", False)), "b", "a")
    assert [(m.text, m.why) for m in mismatches] == [("a", "again, or out of order")]
