"""Make every site profile a spider, so `scrapy crawl SITE` and `scrapy list` see them.

Scrapy finds spiders as classes in SPIDER_MODULES; vnarchive has one generic spider and a
profile per site. This loader builds a subclass of the profile spider for each profile (from
`crawler/sites/` and any files in VNARCHIVE_PROFILE_FILES), named after the profile, beside the
ordinary class-based spiders.
"""

from __future__ import annotations

from scrapy.spiderloader import SpiderLoader

from crawler.profiles import SkippedProfile, load_extra_profile, load_profiles
from crawler.spiders.profile_spider import spider_class_for
from crawler.spiders.wayback_spider import wayback_spider_class_for


class ProfileSpiderLoader(SpiderLoader):
    def __init__(self, settings):
        super().__init__(settings)
        # A broken file costs its own site only: the others are still crawled, and the
        # crawl's command says which files were left out (`broken`).
        self.broken: list[SkippedProfile] = []
        profiles = load_profiles(skipped=self.broken)
        for path in settings.getlist("VNARCHIVE_PROFILE_FILES"):
            profile = load_extra_profile(path)
            profiles[profile.name] = profile
        from_archive = settings.getbool("VNARCHIVE_FROM_WEB_ARCHIVE")
        for name, profile in profiles.items():
            if name not in self._spiders:
                # A closed site (`wayback = true`), or any with `crawl --wayback`, comes
                # from a web archive (crawler/spiders/wayback_spider.py).
                make = wayback_spider_class_for if from_archive or profile.wayback else (
                    spider_class_for)
                self._spiders[name] = make(profile)
