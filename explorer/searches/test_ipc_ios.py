"""Race searches on the ios IPC client: one test per variant and invariant group.

Known races are strict xfails on exactly their finding: the test fails if the search stops
finding them. Every other search must come out clean, and says how much it explored.
"""

import pytest

from explorer.searches.ipc import specs
from explorer.searching import SearchSpec


@pytest.mark.parametrize("spec", [s.param() for s in specs("ios")])
def test_search(spec: SearchSpec) -> None:
    spec.run()
