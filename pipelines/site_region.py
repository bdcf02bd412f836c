"""A site's article region through a crawl (pipelines/region.py finds and reads it): what the
crawl process keeps and asks, and what a worker reports back.

Kept apart from pipelines.region so the crawl's own process, which only keeps this state,
does not import the extraction stack (trafilatura, htmldate) that only the workers run.
"""

from __future__ import annotations

import logging
import statistics
from collections import Counter
from dataclasses import dataclass, field

AGREEING_PAGES = 3
# Pages whose region is looked for before the crawl gives up learning (a site whose articles
# sit in no common element: each page is then read whole, as without this module).
LEARNING_PAGES = 12
MISSES_TO_FORGET = 3
logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class RegionRequest:
    """What the crawl process asks of a worker for one page."""

    selector: str | None = None  # the region to read (the profile's, or the learned one)
    learned: bool = False  # the selector was learned: check it, fall back on a miss
    locate: bool = False  # name the element where the text sits (learning)
    expected_length: int = 0  # the site's median article length so far


@dataclass(frozen=True)
class RegionReport:
    """What a worker found about the region on one page."""

    candidate: str | None = None  # the selector of the element holding the text
    text_length: int = 0
    missed: bool = False  # the learned region was missing or held too little
    in_learned_region: bool = False  # the text was read from the learned region alone


@dataclass
class SiteRegion:
    """One site's region through a crawl: the profile's selector, or the regions learned (one
    per article template the site uses, read as one CSS selector group)."""

    hand_selector: str | None = None
    learned: list[str] = field(default_factory=list)
    candidates: Counter = field(default_factory=Counter)
    located: int = 0  # pages located since the last region was learned
    lengths: list[int] = field(default_factory=list)
    misses_in_a_row: int = 0
    forgotten: int = 0

    def request(self) -> RegionRequest:
        if self.hand_selector:
            return RegionRequest(selector=self.hand_selector)
        return RegionRequest(
            selector=", ".join(self.learned) or None, learned=bool(self.learned),
            locate=self.located < LEARNING_PAGES,
            expected_length=int(statistics.median(self.lengths)) if self.lengths else 0)

    def observe(self, report: RegionReport) -> None:
        """Learn from one page's report; forget the regions when they keep missing."""
        if self.hand_selector:
            return
        if report.text_length and len(self.lengths) < 50:
            self.lengths.append(report.text_length)
        if report.candidate and self._agreed(report.candidate):
            self.misses_in_a_row = 0  # a page of another template, now learned too
            return
        self.misses_in_a_row = (self.misses_in_a_row + 1
                                if report.missed and not self._learned_since(report) else 0)
        if self.misses_in_a_row >= MISSES_TO_FORGET:
            logger.info("article region %r forgotten: it missed %d pages in a row",
                        ", ".join(self.learned), self.misses_in_a_row)
            self.forget()

    def _learned_since(self, report: RegionReport) -> bool:
        """Whether a missed page's own element is a region learned already: the page was
        handed out before its template was learned (the pages in flight meanwhile, up to a
        worker queue's worth), so its miss says nothing of a redesign. Counted, those misses
        made `reprocess` forget every region at each new template of a site whose templates
        come one after the other (its pages in URL order), and read whole pages to learn
        them again; forgetting would only learn the same element again."""
        return report.candidate in self.learned

    def _agreed(self, candidate: str) -> bool:
        """Count one page's candidate; whether it has just been learned."""
        self.located += 1
        self.candidates[candidate] += 1
        if self.candidates[candidate] < AGREEING_PAGES or candidate in self.learned:
            return False
        self.learned.append(candidate)
        self.located = 0
        logger.info("article region learned: %r (%d pages agree)", candidate, AGREEING_PAGES)
        return True

    def forget(self) -> None:
        self.learned, self.misses_in_a_row, self.located = [], 0, 0
        self.candidates.clear()
        self.forgotten += 1


class SiteRegions:
    """Each site's region through pages read in order (`reprocess`, `import`), as a crawl
    learns it: the site's hand-written selector (`selectors`, site -> the profile's
    `article_selector`), else the region of each template its pages agree on. Learned from
    the workers' reports on the pages themselves: no page is read twice to learn it."""

    def __init__(self, selectors: dict[str, str | None]):
        self.selectors = selectors
        self.sites: dict[str, SiteRegion] = {}

    def request(self, site: str) -> RegionRequest:
        if site not in self.sites:
            self.sites[site] = SiteRegion(self.selectors.get(site))
        return self.sites[site].request()

    def observe(self, site: str, report: RegionReport | None) -> None:
        if report is not None:
            self.sites[site].observe(report)
