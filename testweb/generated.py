"""Generated articles for large test sites (crash tests, benchmarks): many distinct pages in a
family's real markup, each with text the test can check against what it served."""

from __future__ import annotations

from datetime import datetime, timedelta

from testweb.content import VIETNAM_TIME, Article

CATEGORIES = ("chinh-tri", "kinh-te", "xa-hoi", "van-hoa")


def served_paragraph(family: str, number: int) -> str:
    """The body paragraph of generated article `number`: unique per article, so a stored text
    can be matched to the page it came from."""
    return (f"Ngày {number % 28 + 1}/{number % 12 + 1}, UBND huyện tổ chức hội nghị đánh giá "
            f"tình hình kinh tế - xã hội và triển khai nhiệm vụ trọng tâm; báo cáo số {number} "
            f"của {family} nêu rõ các chỉ tiêu đạt và vượt kế hoạch đề ra trong kỳ, cùng những "
            "tồn tại, hạn chế cần khắc phục thời gian tới.")


def generated_articles(families: tuple[str, ...], count: int) -> list[Article]:
    """`count` articles per family, newest first, seven hours apart."""
    start = datetime(2023, 1, 2, 8, 0, tzinfo=VIETNAM_TIME)
    articles = []
    for family in families:
        for number in range(1, count + 1):
            paragraph = served_paragraph(family, number)
            articles.append(Article(
                id=f"{family}/{number}", family=family, number=100000 + number,
                title=f"Bài thử nghiệm số {number} của {family}",
                published=start + timedelta(hours=7 * number),
                category=CATEGORIES[number % 4], body=(paragraph, paragraph.upper()),
            ))
    return sorted(articles, key=lambda article: article.published, reverse=True)
