"""How pytest-xdist spreads the tests over its workers (`-n 3 --dist loadgroup`): a test
module is one unit of work, so its module-scoped fixtures (a crawl, a server) are made once;
the timing-sensitive modules together are one unit, run first and one after the other.

Written here rather than with xdist's own `xdist_group` marks: pytest-xdist 3.8 groups them by
rewriting a test's `_nodeid`, which pytest 9 no longer reads, so the marks group nothing.
"""

from __future__ import annotations

from pathlib import PurePosixPath

from xdist.scheduler import LoadScopeScheduling

# Modules whose tests stop crawls at chosen moments or wait on timers: they once failed on a
# loaded machine (test_hostile_net's 2 s download timeout retried a page when a neighbour took
# the CPU), so they never run beside each other. They are the longest unit of work, so it
# starts first.
TIMING_SENSITIVE = {"test_completeness", "test_crashes", "test_distributed", "test_hostile_net",
                    "test_operations", "test_sink_contract"}
TIMING_GROUP = "timing-sensitive modules"


class ModuleGroups(LoadScopeScheduling):
    """xdist's scheduling by scope, with a module (or the timing group) as the scope."""

    def _split_scope(self, nodeid: str) -> str:
        module = nodeid.split("::", 1)[0]
        return TIMING_GROUP if PurePosixPath(module).stem in TIMING_SENSITIVE else module

    def _assign_work_unit(self, node) -> None:
        if TIMING_GROUP in self.workqueue:
            self.workqueue.move_to_end(TIMING_GROUP, last=False)
        super()._assign_work_unit(node)
