"""What every worker process of the pool needs before its first page, loaded once in the
process the workers are forked from (pipelines/pool.py), so no worker pays for it: the
extraction and classification stack (0.35 s of imports), the gazetteer's indexes (0.12 s,
otherwise built on each worker's first page) and dateparser's locales (1.5 s of CPU, otherwise
spent by each worker on the first date string that htmldate's extensive search hands to
dateparser and no locale reads: dateparser then loads every locale to try it).

Imported for these effects only, by the pool's fork server. (`reprocess` adds its own task's
module, archive.reprocess_task, when it starts the server: the store is a layer above.)"""

from htmldate.extractors import get_external_parser, month_words

import pipelines.process  # noqa: F401
from pipelines.gazetteer import load_indexes

# A date-like string no locale reads, which makes dateparser load them all; htmldate's month
# names of every locale. Only caches are filled: the parser is built with the same settings
# and tries no earlier locale first (try_previous_locales is off), so no reading changes.
NO_LOCALE_DATE = "zzqx 12 qqqq 2024"

load_indexes()
month_words()
get_external_parser().get_date_data(NO_LOCALE_DATE)
