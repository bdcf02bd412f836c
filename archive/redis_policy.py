"""Whether a Redis can hold a distributed crawl's work: its `maxmemory-policy` says what it does
at its maxmemory. `noeviction` (Redis's default) refuses writes, and the workers and the writer
wait for room (archive/redis_patience.py). An `allkeys-*` policy instead deletes keys of its
choosing, without a word: the workers' stream of fetched pages, a site's queue or seen-set, so
pages fetched would never reach the archive and a round would end short. Such a Redis is
refused before anything starts. A `volatile-*` policy deletes only keys that expire: the
workers' heartbeats, host locks and the writer's claim, so a live worker may be taken for dead
or two requests reach one host at once; the work itself stays, so it is only warned about.
"""

from __future__ import annotations

import logging

from redis import Redis
from redis.exceptions import ResponseError

logger = logging.getLogger(__name__)

SAFE_POLICY = "noeviction"


class EvictingRedis(Exception):
    """This Redis deletes keys at its maxmemory: it would drop queued work."""


def check_eviction_policy(server: Redis) -> None:
    """Raise EvictingRedis for a Redis that may evict any key; warn for one that may evict
    the keys that expire."""
    try:
        policy = server.config_get("maxmemory-policy").get("maxmemory-policy")
    except ResponseError as error:  # CONFIG renamed or disabled, as managed Redis services do
        logger.warning("cannot read this Redis's maxmemory-policy (%s): make sure it is %s, "
                       "or Redis may drop queued work when it is full", error, SAFE_POLICY)
        return
    if policy and policy.startswith("allkeys-"):
        raise EvictingRedis(
            f"this Redis's maxmemory-policy is {policy}: when full it deletes any key, the "
            f"queued pages and frontier included, and the crawl loses work without a word; "
            f"set `maxmemory-policy {SAFE_POLICY}` (redis-cli config set maxmemory-policy "
            f"{SAFE_POLICY}, and in redis.conf)")
    if policy and policy != SAFE_POLICY:
        logger.warning("this Redis's maxmemory-policy is %s: when full it deletes keys that "
                       "expire (the workers' heartbeats and host locks, the writer's claim), "
                       "so a live worker may be taken for dead; set maxmemory-policy %s",
                       policy, SAFE_POLICY)
