"""The one-sentence summary: what broke, what that means, which decision made it happen."""

from __future__ import annotations

import pytest
from report_samples import LITMUS, labelled_trace, litmus_trace

from explorer.records import Trace
from explorer.report.escape import unescape_markdown_text
from explorer.report.summary import meaning, summary_markdown, summary_text


def doc_of(trace: Trace) -> str:
    model = LITMUS[trace.model]
    return next(i.doc for i in model.invariants if i.name == trace.outcome.invariant)


def test_a_lost_update_says_who_ran_while_whom_was_between_which_points() -> None:
    trace = litmus_trace("litmus.lost-update", "two")
    assert summary_text(trace, doc_of(trace)) == (
        "no_lost_update broke at step 8: counter is 1 after 2 increments — which means one "
        "task overwrote another's write; it happened because t2/increment ran while "
        "t1/increment was between its read and its write.")


def test_the_markdown_summary_shows_points_as_code_and_the_invariant_in_bold() -> None:
    trace = litmus_trace("litmus.lost-update", "two")
    text = summary_markdown(trace, doc_of(trace))
    assert text.startswith("**no\\_lost\\_update** broke at step 8\\: counter is 1")
    assert "t1/increment was between its `read` and its `write`." in text
    assert "\n" not in text


def test_a_timer_that_fired_early_says_how_many_tasks_could_run() -> None:
    trace = litmus_trace("litmus.early-timeout", "timeout")
    text = summary_text(trace, doc_of(trace))
    assert "the timer waiter timeout 1s fired early while setter/work was between its work " \
           "and its next work (1 task was runnable)" in text


def test_a_finding_without_preemption_says_so() -> None:
    trace = litmus_trace("litmus.crash", "unchecked")
    assert summary_text(trace).endswith(
        "it needs no preemption, only the choice of who runs after a task blocks or finishes "
        "(1 free switch).")


def test_a_deadlock_names_who_waits_on_what() -> None:
    trace = litmus_trace("litmus.lock-order", "opposite")
    text = summary_text(trace)
    assert text.startswith("Deadlock at step 8: main waits on task t1/lock-ab to finish; "
                           "t1/lock-ab waits on lock B held by t2/lock-ba")
    assert text.endswith("t2/lock-ba ran while t1/lock-ab was between its acquire and its work.")


def test_an_early_timer_without_a_preemption_is_the_decision(traces: dict[str, Trace]) -> None:
    trace = traces["violation"]  # its last preemption is the one that fired the timer
    text = summary_text(trace, "Every message reached the backend.")
    assert "the timer android/rpc#1 sleep 0.05s fired early while backend/rpc-conn#2 was " \
           "between its sys.accept and its sys.read (1 task was runnable)" in text


@pytest.mark.parametrize(("doc", "expected"), [
    ("Every socket is released. A violation is a leaked fd: one more per reload.",
     "which is a leaked fd"),
    ("At rest, no task runs. A violation means the app hangs; then nothing works.",
     "which means the app hangs"),
    ("Every increment is visible; fewer means one task overwrote another's write.",
     "which means one task overwrote another's write"),
    ("The victim was cancelled while holding the slot (a leak).",
     "the victim was cancelled while holding the slot (a leak)"),
    ("JS sees STOPPED at the end.", "JS sees STOPPED at the end"),
])
def test_what_a_violation_means_comes_from_the_invariant_doc(doc: str, expected: str) -> None:
    parts = meaning(doc)
    assert parts is not None
    assert "".join(text for _, text in parts) == expected


def test_doc_markup_becomes_code_in_the_meaning() -> None:
    parts = meaning("A call raises. A violation is a ``connect()`` after ``close()``: silent.")
    assert parts == [("text", "which is a "), ("code", "connect()"), ("text", " after "),
                     ("code", "close()")]


def test_model_text_in_the_summary_is_escaped_on_one_line() -> None:
    trace = labelled_trace(["a|b", "`c`"], [["x\ny", "*d*"], ["<b>", "e"], ["f", "g"]],
                           "message | with `code`\nand a break", [1, 2, 1])
    text = summary_markdown(trace, "A violation is ``x|y``: bad.")
    assert "\n" not in text
    assert "<b>" not in text
    assert "`x|y`" in text
    plain = unescape_markdown_text(text.replace("`x|y`", ""))
    assert "message | with `code`\\nand a break" in plain
