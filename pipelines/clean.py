"""Pipeline step 1: decode, extract and clean each article (pipelines.extract)."""

from scrapy.exceptions import DropItem

from pipelines.dates import meeting_date
from pipelines.extract import extract_article


class CleanPipeline:
    def process_item(self, item):
        extracted = extract_article(item["body"], url=item["url"],
                                    declared_encoding=item.get("declared_encoding"))
        if not extracted.text:
            raise DropItem(f"no article text found in {item['url']}")
        if extracted.is_navigation:
            raise DropItem(f"a navigation page, not an article: {item['url']} "
                           f"({extracted.linked_lines:.0%} of its lines are link titles)")
        for field in ("title", "lead", "text", "author", "published", "published_source",
                      "language", "encoding", "warnings", "photo_credits", "html",
                      "extractor_version"):
            item[field] = getattr(extracted, field)
        item["event_date"] = meeting_date(extracted.text, extracted.published)
        return item
