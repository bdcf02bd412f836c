"""Pipeline step 1: extract and clean each article's text (pipelines.extract)."""

from scrapy.exceptions import DropItem

from pipelines.extract import extract_article


class CleanPipeline:
    def process_item(self, item):
        extracted = extract_article(item["html"], url=item["url"])
        if not extracted.text:
            raise DropItem(f"no article text found in {item['url']}")
        if extracted.is_navigation:
            raise DropItem(f"a navigation page, not an article: {item['url']} "
                           f"({extracted.linked_lines:.0%} of its lines are link titles)")
        item["title"] = extracted.title
        item["lead"] = extracted.lead
        item["text"] = extracted.text
        item["author"] = extracted.author
        item["published"] = extracted.published
        item["language"] = extracted.language
        item["extractor_version"] = extracted.extractor_version
        return item
