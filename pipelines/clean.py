"""Pipeline step 1: decode, extract and clean each article, then label it and read a meeting
report's fields (pipelines.process, pipelines.classify), in one task in the process pool.

A page that holds no article is dropped. When it is broken (binary content, an unparseable or
pathological document), a soft 404, or our own extraction failed on it, its `pages` row says
why, and an article archived from the same URL before is left as it was.
"""

import logging
from functools import cached_property

from scrapy.exceptions import DropItem

from crawler.archiving import writer_for
from crawler.items import ArticleItem
from pipelines.page_task import (
    FALLBACK_WARNING,
    TEASER_LIST_WARNING,
    NotAnArticle,
    RejectedPage,
    SoftNotFound,
    process_archived_page,
)
from pipelines.pool import PooledPipeline, run
from pipelines.site_region import SiteRegion

logger = logging.getLogger(__name__)


class CleanPipeline(PooledPipeline):
    async def process_item(self, item):
        if not isinstance(item, ArticleItem):
            return item
        try:
            page = item["page"]
            fields, region = await run(self.pool, process_archived_page, page.body,
                                       item["url"], page.declared_encoding,
                                       self.region.request(), self.owner)
        except (RejectedPage, SoftNotFound) as problem:
            self.record_problem(item, f"{problem.error_kind}: {problem}")
            raise DropItem(f"{problem.error_kind}: {problem} ({item['url']})") from None
        except NotAnArticle as reason:
            # Counted for `vnarchive status`: a site whose pages come back empty has changed.
            self.crawler.stats.inc_value("vnarchive/pages_without_text")
            raise DropItem(str(reason)) from None
        except Exception as error:  # our code or a worker failed on this page: not the crawl
            logger.exception("extraction failed on %s", item["url"])
            self.record_problem(item, f"extraction_failed: {type(error).__name__}: {error}")
            raise DropItem(f"extraction failed on {item['url']}") from None
        if any(w.startswith(FALLBACK_WARNING) for w in fields.get("warnings") or []):
            # Counted for `sites check` and `status`: a template whose pages need plain
            # trafilatura's text has beaten our cleaning.
            self.crawler.stats.inc_value("vnarchive/extraction_fallbacks")
        if any(w.startswith(TEASER_LIST_WARNING) for w in fields.get("warnings") or []):
            self.crawler.stats.inc_value("vnarchive/teaser_lists")
        self.region.observe(region)
        if region.in_learned_region:  # pipelines.region: a site never seen, read fast
            self.crawler.stats.inc_value("vnarchive/pages_in_learned_region")
        del fields["html"]  # not a field; the page is kept in the WARC files
        item.update(fields)
        return item

    @cached_property
    def owner(self):
        """The organ that runs the site (its profile's `owner`), which the labels use."""
        return getattr(getattr(self.crawler.spider, "profile", None), "owner", None)

    @cached_property
    def region(self) -> SiteRegion:
        """The site's article region: its profile's selector, or one learned from its pages."""
        profile = getattr(self.crawler.spider, "profile", None)
        return SiteRegion(getattr(profile, "article_selector", None) or None)

    def record_problem(self, item, error: str) -> None:
        self.crawler.stats.inc_value(f"vnarchive/{error.split(':')[0]}")
        writer_for(self.crawler).mark_pages([item["url"]], error[:500])
