"""Race searches on the iOS IPC client: one test per variant and scenario group.

Every search checks every invariant. A search that must find a known race is a strict xfail
on exactly its known races: it fails if it stops finding them, or finds anything else.
"""

from models.ipc.searches import searches

for _search in searches("ios"):
    globals()[f"test_{_search.name.replace('-', '_')}"] = _search.test()
