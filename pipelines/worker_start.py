"""What every worker process of the pool needs before its first page, loaded once in the
process the workers are forked from (pipelines/pool.py), so no worker pays for it: the
extraction and classification stack (0.35 s of imports, htmldate's included) and the
gazetteer's indexes (0.12 s, otherwise built on each worker's first page).

Imported for these effects only, by the pool's fork server. (`reprocess` adds its own task's
module, archive.reprocess_task, when it starts the server: the store is a layer above.)"""

import htmldate  # noqa: F401 (pipelines.dates imports it where it is used)

import pipelines.process  # noqa: F401
from pipelines.gazetteer import load_indexes

load_indexes()
