"""What every worker process of the pool needs before its first page, loaded once in the
process the workers are forked from (pipelines/pool.py), so no worker pays for it: the
extraction and classification stack (0.35 s of imports), `reprocess`'s task, and the
gazetteer's indexes (0.12 s, otherwise built on each worker's first page).

Imported for these effects only, by the pool's fork server."""

import archive.reprocess_task  # noqa: F401
import pipelines.process  # noqa: F401
from pipelines.gazetteer import load_indexes

load_indexes()
