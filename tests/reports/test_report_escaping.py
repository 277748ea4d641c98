"""Escaping model text: whatever a label holds, it shows literally and breaks nothing around it."""

from __future__ import annotations

import re

from hypothesis import example, given, settings
from hypothesis import strategies as st
from report_samples import NASTY, labelled_trace

from explorer.render import visible
from explorer.report.escape import (
    fenced,
    markdown_code,
    markdown_doc,
    markdown_text,
    mermaid_text,
    unescape_markdown_text,
    unescape_mermaid_text,
)
from explorer.report.keysteps import Fold, key_steps
from explorer.report.mermaid import sequence_diagram

labels = st.text() | st.sampled_from(NASTY) | st.lists(st.sampled_from(NASTY)).map("".join)

# Mermaid statements the diagram is made of: nothing else may appear on a line.
TEXT = r"(?:[^;#\n:%]|#\d+;)"
LANE = r"(?:P\d+|K)"
STATEMENT = re.compile(
    rf"^(?:sequenceDiagram"
    rf"|    participant {LANE} as {TEXT}*"
    rf"|    P\d+->>{LANE}: {TEXT}+"
    rf"|(?:    |        )Note over {LANE}(?:,{LANE})?: {TEXT}+"
    rf"|    rect rgb\(\d+, \d+, \d+\)"
    rf"|    end)$"
)


def without_entities(text: str) -> str:
    return re.sub(r"#\d+;", "", text)


@given(labels)
@example("\x1f\x7f\u200b\u202e\U000e0001\xa0\u3000")
def test_visible_text_is_one_printable_line(text: str) -> None:
    shown = visible(text)
    assert "\n" not in shown and "\r" not in shown
    assert shown.isprintable()
    assert not re.search("[\ud800-\udfff]", shown)
    shown.encode("utf-8")


@given(st.text(alphabet=st.characters(codec="ascii", exclude_categories=["Cc"])))
def test_visible_leaves_printable_ascii_alone(text: str) -> None:
    assert visible(text) == text


@given(labels)
def test_markdown_text_shows_literally(text: str) -> None:
    assert unescape_markdown_text(markdown_text(text)) == visible(text)


@given(labels)
def test_markdown_text_cannot_break_a_table_cell(text: str) -> None:
    escaped = markdown_text(text)
    assert "\n" not in escaped
    assert "<" not in escaped and ">" not in escaped
    pairs_removed = re.sub(r"\\.", "", escaped)  # every backslash escapes the next character
    for special in "|`*_[]#~$:@\\":
        assert special not in pairs_removed


@given(labels)
def test_mermaid_text_shows_literally(text: str) -> None:
    assert unescape_mermaid_text(mermaid_text(text)) == visible(text)


@given(labels)
def test_mermaid_text_cannot_end_a_statement_or_start_a_comment(text: str) -> None:
    plain = without_entities(mermaid_text(text))
    for special in ';#:%"<>`&{}\n\\|~^':
        assert special not in plain
    assert not set("ﬂ°¶ß") & set(plain)


def read_code_span(span: str, *, in_table: bool) -> str:
    """What CommonMark shows for a code span (GitHub-flavoured tables unescape ``\\|`` first)."""
    if in_table:
        span = span.replace("\\|", "|")
    fence = len(span) - len(span.lstrip("`"))
    assert span.endswith("`" * fence)
    inner = span[fence:-fence]
    assert "`" * fence not in inner
    if len(inner) >= 2 and inner[0] == inner[-1] == " " and inner.strip(" "):
        inner = inner[1:-1]
    return inner


@given(labels, st.booleans())
def test_markdown_code_shows_literally(text: str, in_table: bool) -> None:
    span = markdown_code(text, in_table=in_table)
    if not visible(text):
        assert span == ""
        return
    assert "\n" not in span
    assert read_code_span(span, in_table=in_table) == visible(text)
    if in_table:
        assert not re.search(r"(?<!\\)\|", span)


@given(st.lists(st.tuples(st.booleans(), labels), max_size=4))
def test_doc_markup_becomes_code_spans_and_prose_stays_escaped(
        runs: list[tuple[bool, str]]) -> None:
    runs = [(code, text.replace("`", "'")) for code, text in runs if text.replace("`", "'")]
    doc = "".join(f"``{text}``" if code else text for code, text in runs)
    rendered = markdown_doc(doc, in_table=True)
    assert "\n" not in rendered
    for code, text in runs:
        if code and visible(text).strip():
            assert markdown_code(text, in_table=True) in rendered


@given(body=st.text(), info=st.sampled_from(["", "json", "mermaid"]))
def test_a_fence_outlasts_any_backticks_inside(body: str, info: str) -> None:
    block = fenced(body, info)
    fence = block.split("\n", 1)[0].removesuffix(info)
    assert set(fence) == {"`"} and len(fence) >= 3
    inner = block[len(fence) + len(info) + 1: -len(fence) - 1]
    assert inner == body
    assert fence not in body


@settings(max_examples=40, deadline=None)
@given(names=st.lists(labels.filter(bool), min_size=1, max_size=3),
       points=st.lists(st.tuples(labels, labels), min_size=1, max_size=5), message=labels)
def test_every_diagram_line_is_a_whole_mermaid_statement(names: list[str],
                                                         points: list[tuple[str, str]],
                                                         message: str) -> None:
    trace = labelled_trace(names, [list(p) for p in points], message, [1, 2, 1])
    source = sequence_diagram(trace, key_steps(trace))
    for line in source.splitlines():
        assert STATEMENT.match(line), line


@settings(max_examples=25, deadline=None)
@given(names=st.lists(labels.filter(bool), min_size=1, max_size=3),
       points=st.lists(st.tuples(labels, labels), min_size=1, max_size=4), message=labels)
def test_folded_rows_of_model_text_are_whole_mermaid_statements_too(
        names: list[str], points: list[tuple[str, str]], message: str) -> None:
    trace = labelled_trace(names, [list(p) for p in points] * 30, message, [1, 2, 1])
    rows = key_steps(trace)
    assert any(isinstance(row, Fold) for row in rows)
    for line in sequence_diagram(trace, rows).splitlines():
        assert STATEMENT.match(line), line
