"""One article, one key: the canonical URL folds what sites vary."""

from __future__ import annotations

import pytest

from pipelines.urls import canonical_url, clean_url

KEY = "https://baothanhhoa.vn/chinh-tri/ha-trung-185001.htm"


@pytest.mark.parametrize("url", [
    "https://baothanhhoa.vn/chinh-tri/ha-trung-185001.htm",
    "http://baothanhhoa.vn/chinh-tri/ha-trung-185001.htm",
    "https://www.baothanhhoa.vn/chinh-tri/ha-trung-185001.htm",
    "https://m.baothanhhoa.vn/chinh-tri/ha-trung-185001.htm",
    "https://BaoThanhHoa.vn/chinh-tri/ha-trung-185001.htm/",
    "https://baothanhhoa.vn/chinh-tri/ha-trung-185001.htm?utm_source=rss&utm_medium=feed",
    "https://baothanhhoa.vn/chinh-tri/ha-trung-185001.htm#comments",
    "https://baothanhhoa.vn/chinh-tri/ha-trung-185001.htm;jsessionid=A1B2C3",
    "https://baothanhhoa.vn/chinh-tri/ha-trung-185001.htm?PHPSESSID=abc123",
])
def test_variants_share_one_key(url):
    assert canonical_url(url) == KEY


def test_meaningful_query_parameters_stay():
    url = "https://lynhan.hanam.gov.vn/Pages/default.aspx?ItemID=12&sid=9"
    assert canonical_url(url) == "https://lynhan.hanam.gov.vn/Pages/default.aspx?ItemID=12"
    assert canonical_url(url) != canonical_url(url.replace("ItemID=12", "ItemID=13"))


def test_clean_url_keeps_the_address_fetchable():
    url = "http://127.0.0.1:8703/chinh-tri/a-1.html?utm_source=rss"
    assert clean_url(url) == "http://127.0.0.1:8703/chinh-tri/a-1.html"
