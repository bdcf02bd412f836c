"""What a home page says about its site: the CMS it runs on, its title, whether it is a
newspaper or a portal, and the organ and place that own it (for a new profile's `owner`).

Each CMS family is recognised by marks its pages carry whatever the theme (asset paths, form
fields, generator tags, URL schemes), so a portal of one family is known however it looks.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from crawler.profiles import Owner
from pipelines.gazetteer import find_places

# Family -> marks in the page's HTML (lower-cased) or its address; two marks make it sure.
CMS_MARKS: dict[str, tuple[str, ...]] = {
    "SharePoint": ("_layouts/15/", "_layouts/", "__viewstate", "ms-rtestate", "s4-ribbonrow",
                   "microsoft sharepoint", "/pages/", "ms-webpart"),
    "Liferay": ("liferay", "portlet-", "/-/view_content/", "/web/guest", "/o/", "aui ",
                "/c/portal/"),
    "Oracle WebCenter": ("/webcenter/", "webcenter", "oracle", "af_", "/wcsstore/",
                         "/cs/idcplg", "adf."),
    "IBM WebSphere Portal": ("/wps/portal", "/wps/wcm/", "ibm_"),
    "DNN (DotNetNuke)": ("dotnetnuke", "/desktopmodules/", "dnn_", "/portals/0/", "dnn."),
    "*.dcs.vn portal platform": (".dcs.vn", "dcs.vn/", "dcs-portal"),
    "WordPress": ("wp-content/", "wp-includes/", "wordpress", "wp-json"),
    "Joomla": ("/components/com_", "option=com_", "joomla"),
    "Drupal": ("/sites/default/files", "drupal.settings", "drupal"),
    "regional newspaper CMS (-post<id>.html)": ("-post",),
    "VCCorp CMS (<id>.chn)": (".chn\"", "vcmedia", "vccorp"),
}
NEEDED_MARKS = {"regional newspaper CMS (-post<id>.html)": 1, "*.dcs.vn portal platform": 1}
POST_LINK = re.compile(r'href="[^"]*-post\d+\.html?"')

PORTAL_WORDS = ("cổng thông tin", "cổng ttđt", "trang thông tin điện tử", "ủy ban nhân dân",
                "ubnd")
NEWSPAPER_WORDS = ("báo ", "báo điện tử", "tạp chí", "đài phát thanh")
ORGAN_WORDS = (("other", ("sở ", "ban quản lý")),
               ("people_council", ("hội đồng nhân dân", "hđnd")),
               ("front", ("mặt trận tổ quốc",)),
               ("party_committee", ("đảng bộ", "huyện ủy", "tỉnh ủy", "thành ủy", "đảng cộng sản")),
               ("people_committee", ("ủy ban nhân dân", "ubnd", "cổng thông tin điện tử",
                                     "cổng ttđt")))
NAME = r"((?:[A-ZĐÂĂÊÔƠƯÁÀẢÃẠ][\wÀ-ỹ]*)(?:[ -](?:[A-ZĐÂĂÊÔƠƯÁÀẢÃẠ][\wÀ-ỹ]*)){0,3})"
PLACE = re.compile(r"\b(tỉnh|thành phố|huyện|thị xã|quận|xã|phường|thị trấn)\s+" + NAME,
                   re.IGNORECASE)
PAPER = re.compile(r"\bBáo\s+(?:điện tử\s+)?" + NAME)
ADDRESS = re.compile(r"(?:địa chỉ|trụ sở|đc)\s*:[^|\n]{0,160}", re.IGNORECASE)
LEVELS = {"tỉnh": "tỉnh", "thành phố": "huyện", "huyện": "huyện", "thị xã": "huyện",
          "quận": "huyện", "xã": "xã", "phường": "xã", "thị trấn": "xã"}


@dataclass(frozen=True)
class Recognised:
    cms: str | None
    cms_marks: tuple[str, ...]
    title: str
    kind: str  # newspaper or portal
    owner: Owner | None


def cms_family(html: str, url: str | None) -> tuple[str | None, tuple[str, ...]]:
    """The CMS family whose marks the page carries most (two at least, one for families
    whose one mark is unmistakable), and those marks."""
    page = html.lower() + " " + (urlsplit(url).netloc if url else "")
    best: tuple[str | None, tuple[str, ...]] = (None, ())
    for family, marks in CMS_MARKS.items():
        found = tuple(mark for mark in marks if mark in page)
        if family.startswith("regional") and not POST_LINK.search(html):
            found = ()
        if len(found) >= NEEDED_MARKS.get(family, 2) and len(found) > len(best[1]):
            best = (family, found)
    return best


def site_kind(title: str, url: str | None) -> str:
    lowered = title.lower()
    if any(word in lowered for word in PORTAL_WORDS):
        return "portal"
    if lowered.startswith(NEWSPAPER_WORDS) or any(w in lowered for w in NEWSPAPER_WORDS[1:]):
        return "newspaper"
    return "portal" if url and ".gov.vn" in url else "newspaper"


def _province(name: str) -> str | None:
    places = find_places(name, "tỉnh")
    return places[0].name if places else None


def _organ(text: str) -> str | None:
    lowered = text.lower()
    return next((name for name, words in ORGAN_WORDS if any(w in lowered for w in words)), None)


def _named_province(text: str) -> str | None:
    """A province the text names bare ("Sở Thông tin và Truyền thông Hà Nội")."""
    words = text.replace("-", " ").split()
    for size in (4, 3, 2):
        for start in range(len(words) - size + 1):
            province = _province(" ".join(words[start : start + size]))
            if province:
                return province
    return None


def _place_owner(text: str, organ: str) -> Owner | None:
    """The owner from places named with their level ("huyện Lý Nhân - tỉnh Hà Nam")."""
    places = [(LEVELS[match.group(1).lower()], match.group(2)) for match in PLACE.finditer(text)]
    province = next((_province(name) for level, name in places
                     if level == "tỉnh" and _province(name)), None)
    for level, name in places:
        if level == "tỉnh":
            continue
        found = find_places(name, level)
        if province:
            found = [place for place in found if place.province == province]
        if len(found) == 1 or (found and province):
            return Owner(organ, found[0].name, found[0].province, level)
    return Owner(organ, province, province, "tỉnh") if province else None


def owner_from_text(title: str, header: str, kind: str) -> Owner | None:
    """The organ and place a site names in its title, else its header or footer: "Cổng
    thông tin điện tử huyện Lý Nhân - tỉnh Hà Nam", "Báo Thanh Hóa", "Sở ... Hà Nội",
    "Bản quyền thuộc UBND huyện Ngân Sơn". None unless the gazetteer knows the place."""
    organ = _organ(title) or _organ(header) or "other"
    paper = PAPER.search(title)
    if kind == "newspaper" and paper and _province(paper.group(1)):
        province = _province(paper.group(1))
        return Owner("party_committee", province, province, "tỉnh")
    # An address names where the office stands, not whom the site serves.
    header = ADDRESS.sub(" ", header)
    for text in (title, header):
        owner = _place_owner(text, organ)
        if owner is None and _named_province(text):
            province = _named_province(text)
            owner = Owner(organ, province, province, "tỉnh")
        if owner:
            return owner
    return None


def recognise(html: str, url: str | None, title: str, header: str) -> Recognised:
    """The CMS, kind and owner of a site from its home page (`header`: the text of its
    header, logo and footer)."""
    cms, marks = cms_family(html, url)
    kind = site_kind(title, url)
    return Recognised(cms, marks, title, kind, owner_from_text(title, header, kind))
