"""What every worker process of the pool needs before its first page, loaded once in the
process the workers are forked from (pipelines/pool.py), so no worker pays for it: the
extraction and classification stack (0.35 s of imports, htmldate's included) and the
gazetteer's indexes (0.12 s, otherwise built on each worker's first page), frozen for the
collector.

Imported for these effects only, by the pool's fork server. (`reprocess` adds its own task's
module, archive.reprocess_task, when it starts the server: the store is a layer above.)"""

import gc

import htmldate  # noqa: F401 (pipelines.dates imports it where it is used)

import pipelines.process  # noqa: F401
from pipelines.gazetteer import load_indexes

load_indexes()
# All of it lives as long as the server and its workers, so the collector need never walk it
# again (Python's own advice before forking): a worker's full collections skip it, and do not
# write to the memory its pages share with the server; and the server's last collections at
# its exit skip it, which the command's end waits for (pipelines/pool.py
# stop_worker_server: 20 ms instead of 50-100).
gc.freeze()
