"""The trace loader on arbitrary input: a trace or ``TraceFormatError``, never anything else."""

from __future__ import annotations

import json
from typing import Any

from cli_support import LOST_UPDATE_CHOICES, litmus
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import explorer
from explorer import tracefile
from explorer.errors import TraceFormatError
from explorer.sources import PrechosenChoices

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner,
                                                                 max_size=4),
    max_leaves=10,
)


def valid_text() -> str:
    model = litmus("litmus.lost-update")
    trace = explorer.run(model, "three", None, PrechosenChoices(LOST_UPDATE_CHOICES)).trace()
    return tracefile.dumps(trace)


VALID = valid_text()


def paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every place in a JSON document a value could be swapped."""
    found = [prefix] if prefix else []
    if isinstance(node, dict):
        for key, value in node.items():
            found.extend(paths(value, (*prefix, key)))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            found.extend(paths(value, (*prefix, index)))
    return found


PATHS = paths(json.loads(VALID))


def load_or_error(data: str | bytes) -> None:
    """Loading gives a trace, or a one-line TraceFormatError naming where it came from."""
    try:
        tracefile.loads(data, origin="fuzz.json")
    except TraceFormatError as exc:
        message = str(exc)
        assert message.startswith("fuzz.json: ")
        assert "\n" not in message


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=300))
def test_arbitrary_bytes_raise_only_trace_format_error(data: bytes) -> None:
    load_or_error(data)


@settings(max_examples=300)
@given(json_values)
def test_arbitrary_json_raises_only_trace_format_error(value: Any) -> None:
    load_or_error(json.dumps(value))


@settings(max_examples=300, deadline=None)
@given(where=st.sampled_from(PATHS), value=json_values)
def test_a_valid_file_with_one_field_swapped_loads_or_is_refused_cleanly(
        where: tuple[Any, ...], value: Any) -> None:
    document = json.loads(VALID)
    node = document
    for key in where[:-1]:
        node = node[key]
    node[where[-1]] = value
    load_or_error(json.dumps(document))


@settings(max_examples=200, deadline=None)
@given(cut=st.integers(min_value=0, max_value=len(VALID) - 2))
def test_every_truncation_is_refused(cut: int) -> None:
    text = VALID[:cut]
    try:
        tracefile.loads(text)
    except TraceFormatError:
        return
    raise AssertionError(f"a file cut after {cut} characters loaded")


@settings(max_examples=200, deadline=None)
@given(position=st.integers(min_value=0, max_value=len(VALID) - 1), junk=st.binary(min_size=1,
                                                                                   max_size=4))
def test_bytes_spliced_into_a_valid_file_load_or_are_refused_cleanly(position: int,
                                                                     junk: bytes) -> None:
    data = VALID.encode("utf-8")
    load_or_error(data[:position] + junk + data[position:])
