"""Which backend connection each posted message belongs to, and which posts each connection's
deliveries match, for the delivery invariants.

Invariant: a pure function of the world's observations: a post belongs to the connection that
was open (on both sides) for its client instance when JS posted it, or, when there was none,
to the instance's next RPC connection accepted after it; the deliveries of a connection are
matched to the posts that belong to it, in posting order.
"""

from __future__ import annotations

from collections.abc import Sequence

import attrs

from models.ipc.observe import Delivery, Posted
from models.ipc.world import World


@attrs.frozen
class Mismatch:
    """A delivery that matched no post of its session, in order: what arrived where, why."""

    text: str
    connection: int
    why: str


@attrs.frozen
class Matching:
    matched: frozenset[int]  # idents of the posts delivered in their session, in order
    mismatches: tuple[Mismatch, ...]


def _owners(world: World) -> dict[int, int | None]:
    """RPC connection number -> the client instance at its other end (None: unknown)."""
    owners: dict[int, int | None] = {}
    for conn in world.connections("rpc"):
        client = world.client_of(conn)
        owners[conn.number] = None if client is None else client.instance
    return owners


def _session(post: Posted, owners: dict[int, int | None], accepted: dict[int, int]) -> int | None:
    if post.session is not None:
        return post.session
    later = [n for n, owner in owners.items() if owner == post.instance
             and accepted[n] > post.seq]
    return min(later) if later else None


def match(world: World) -> Matching:
    owners = _owners(world)
    accepted = {c.number: c.seq for c in world.connections("rpc")}
    sessions = {p.ident: _session(p, owners, accepted) for p in world.observations.posted}
    by_connection: dict[int, list[Delivery]] = {}
    for delivery in world.observations.deliveries:
        by_connection.setdefault(delivery.connection, []).append(delivery)
    matched: set[int] = set()
    mismatches: list[Mismatch] = []
    for number, deliveries in by_connection.items():
        expected = [p for p in world.observations.posted if sessions[p.ident] == number]
        _match_connection(number, deliveries, expected, world.observations.posted, matched,
                          mismatches)
    return Matching(frozenset(matched), tuple(mismatches))


def _match_connection(number: int, deliveries: Sequence[Delivery], expected: Sequence[Posted],
                      every: Sequence[Posted], matched: set[int],
                      mismatches: list[Mismatch]) -> None:
    cursor = 0
    for i, delivery in enumerate(deliveries):
        k = _next_match(expected, cursor, delivery.text, [d.text for d in deliveries[i + 1:]])
        if k is not None:
            matched.add(expected[k].ident)
            cursor = k + 1
            continue
        earlier = any(p.text == delivery.text for p in expected[:cursor])
        posted = any(p.text == delivery.text for p in every)
        why = ("again, or out of order" if earlier else
               "in a session it was not posted to" if posted else "though nobody posted it")
        mismatches.append(Mismatch(delivery.text, number, why))


def _next_match(expected: Sequence[Posted], cursor: int, text: str,
                rest: Sequence[str]) -> int | None:
    """The post from ``cursor`` on that this delivery is taken to be: the first with its text,
    but a post that failed visibly needs no delivery, so when only failed posts lie between it
    and a later post with the same text, the later one, provided the deliveries still to come
    (``rest``) can then be matched in order too (a post that failed may still have arrived)."""
    same = [k for k in range(cursor, len(expected)) if expected[k].text == text]
    if not same:
        return None
    for k, after in zip(same, [*same[1:], None], strict=False):
        if not expected[k].failed_visibly or after is None:
            return k if _fits(expected, k + 1, rest) else same[0]
        if any(not expected[i].failed_visibly for i in range(k + 1, after)):
            return k if _fits(expected, k + 1, rest) else same[0]
    return same[0]


def _fits(expected: Sequence[Posted], start: int, rest: Sequence[str]) -> bool:
    """Whether ``rest`` is, in order, among the texts of ``expected`` from ``start`` on (the
    earliest match each time decides it)."""
    k = start
    for text in rest:
        while k < len(expected) and expected[k].text != text:
            k += 1
        if k == len(expected):
            return False
        k += 1
    return True
