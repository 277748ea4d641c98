"""Escaping model text for Markdown (tables, GitHub comments) and for Mermaid diagrams.

Invariant: what an escape function returns is one line that renders as exactly the visible
form of its input (``render.visible``) and cannot end, split or restyle the construct it sits
in: a table cell, a code fence, a Mermaid message, note or participant name.
"""

from __future__ import annotations

import re

from explorer.render import doc_parts, visible

_MD_ENTITIES = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}
# Inline Markdown and GitHub comment syntax: emphasis, code, links, tables, strikethrough,
# math, emoji shortcodes, mentions and issue references.
_MD_BACKSLASHED = frozenset("\\`*_[]#|~$:@")
# Kept as is in Mermaid text; everything else ASCII becomes a numeric entity code (#59;).
_MERMAID_SAFE = frozenset(
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 ._,/()[]=+*!?'@$-"
)
# Mermaid's own placeholders for entity codes are made of these; never let a label spell one.
_MERMAID_PLACEHOLDER_CHARS = frozenset("ﬂ°¶ß")
_MD_ENTITY = re.compile(r"&(amp|lt|gt);")
_BACKTICK_RUN = re.compile(r"`+")


def markdown_text(text: str) -> str:
    """``text`` as inline Markdown that shows literally, safe inside a table cell."""
    out = []
    for ch in visible(text):
        if ch in _MD_ENTITIES:
            out.append(_MD_ENTITIES[ch])
        elif ch in _MD_BACKSLASHED:
            out.append("\\" + ch)
        else:
            out.append(ch)
    return "".join(out)


def markdown_code(text: str, *, in_table: bool = False) -> str:
    """``text`` as a Markdown code span that shows it literally (in a table cell, its pipes are
    escaped, as GitHub-flavoured tables need even inside code)."""
    shown = visible(text)
    if not shown:
        return ""
    longest = max((len(run) for run in _BACKTICK_RUN.findall(shown)), default=0)
    fence = "`" * (longest + 1)
    # A span strips one space from each end when both are spaces; pad so none is lost.
    pad = " " if shown.strip(" ") and (shown[0] in " `" or shown[-1] in " `") else ""
    body = shown.replace("|", "\\|") if in_table else shown
    return f"{fence}{pad}{body}{pad}{fence}"


def markdown_doc(doc: str, *, in_table: bool = False) -> str:
    """A docstring as Markdown: prose escaped as :func:`markdown_text`, reST inline code
    (````close()````) as code spans."""
    return "".join(markdown_code(text, in_table=in_table) if code else markdown_text(text)
                   for code, text in doc_parts(doc))


def unescape_markdown_text(text: str) -> str:
    """The inverse of :func:`markdown_text` (for tests and tools reading reports back)."""
    text = re.sub(r"\\(.)", r"\1", text)
    return _MD_ENTITY.sub(lambda m: {"amp": "&", "lt": "<", "gt": ">"}[m.group(1)], text)


def mermaid_text(text: str) -> str:
    """``text`` safe as a Mermaid message, note or participant name, shown literally."""
    return "".join(_mermaid_char(ch) for ch in visible(text))


def _mermaid_char(ch: str) -> str:
    if ch in _MERMAID_SAFE or (not ch.isascii() and ch not in _MERMAID_PLACEHOLDER_CHARS):
        return ch
    return f"#{ord(ch)};"


def unescape_mermaid_text(text: str) -> str:
    """The inverse of :func:`mermaid_text`."""
    return re.sub(r"#(\d+);", lambda m: chr(int(m.group(1))), text)


def fenced(body: str, info: str = "") -> str:
    """``body`` in a code fence longer than any run of backticks inside it."""
    longest = max((len(run) for run in _BACKTICK_RUN.findall(body)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}{info}\n{body}\n{fence}"
