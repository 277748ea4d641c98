"""The README's paste-and-run examples run as pasted: the counter model finds and prints its
lost update, and the search declared beside it is the strict xfail of a known race."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[2] / "README.md"


def python_blocks() -> list[str]:
    return re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), re.S)


@pytest.fixture
def pasted(pytester: pytest.Pytester) -> pytest.Pytester:
    model, search = python_blocks()[:2]
    assert "MODEL = explorer.Model(" in model and "@explorer.search(" in search
    (pytester.path / "counter.py").write_text(model, encoding="utf-8")
    (pytester.path / "test_counter.py").write_text(search, encoding="utf-8")
    return pytester


def test_the_model_example_prints_its_shrunk_lost_update(pasted: pytest.Pytester) -> None:
    result = pasted.run(sys.executable, "counter.py")
    assert result.ret == 0
    result.stdout.fnmatch_lines(["counter-racy: 1 finding(s) in 500 examples*"
                                 "violation:no_lost_update*shrunk to 9 steps*",
                                 "*worker/0: read*preempted, then worker/1",
                                 "VIOLATION: invariant no_lost_update violated*"])


def test_the_search_example_is_a_strict_xfail(pasted: pytest.Pytester) -> None:
    result = pasted.runpytest_subprocess("-p", "no:cacheprovider", "test_counter.py")
    result.assert_outcomes(xfailed=1)
    assert sorted(p.suffix for p in (pasted.path / "reports").iterdir()) == [".json", ".md"]
