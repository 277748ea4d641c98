"""Reports for people: Markdown with a Mermaid sequence diagram, and saving findings to disk.

Invariant: a report is a pure function of the trace file's contents (trace, search statistics,
tool versions) and the path it is replayed from; nothing a model put in a label can break it.
"""

from explorer.report.markdown import render_markdown
from explorer.report.save import finding_hash, save_finding

__all__ = ["finding_hash", "render_markdown", "save_finding"]
