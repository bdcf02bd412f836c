"""Distributed mode when Redis misbehaves without going away: a lost answer, a full Redis,
an evicting one, two workers starting at once (crawler/shared_frontier.py,
crawler/shared_limits.py, archive/ingest.py, archive/redis_patience.py)."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from redis.connection import Connection
from redis.exceptions import ConnectionError as RedisConnectionError
from scrapy.settings import Settings

from archive.redis_patience import Patience, patient_params
from crawler.distributed import budget_key
from crawler.shared_limits import SharedUrlPatternBudget

SITE = "testweb_lynhan"


def worker_crawler(redis_url: str, **settings) -> SimpleNamespace:
    """What the shared-limit middlewares read of a worker's crawler."""
    return SimpleNamespace(
        settings=Settings({"REDIS_URL": redis_url, "REDIS_PARAMS": patient_params(Patience(5)),
                           **settings}),
        spidercls=SimpleNamespace(name=SITE))


@pytest.fixture
def answers_lost_once(monkeypatch):
    """The next answer Redis sends is lost on the way (the connection breaks after Redis ran
    the command): redis-py connects again and sends the command again."""
    read = Connection.read_response
    state = {"lose": False}

    def read_response(self, *args, **kwargs):
        answer = read(self, *args, **kwargs)
        if state["lose"]:
            state["lose"] = False
            raise RedisConnectionError("connection broke before the answer")
        return answer

    monkeypatch.setattr(Connection, "read_response", read_response)
    return state


@pytest.mark.timeout(60)
def test_a_trap_budget_spent_again_after_a_lost_answer_counts_once(redis_url,
                                                                   answers_lost_once):
    """The fleet's budget per URL pattern is an increment in Redis. Before, a retried
    increment whose first answer was lost counted one request twice, and a trap's budget ran
    out early; now each spend is counted once, however often it is sent."""
    budget = SharedUrlPatternBudget(worker_crawler(redis_url))
    pattern = "127.0.0.1/lich?calendardate"
    assert budget.spend(pattern) == 1
    answers_lost_once["lose"] = True
    assert budget.spend(pattern) == 2
    assert not answers_lost_once["lose"]  # an answer was lost, and the spend sent again
    assert budget.spend(pattern) == 3
    assert budget.server.hget(budget_key(SITE), pattern) == b"3"
