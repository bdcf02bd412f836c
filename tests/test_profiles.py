"""Site profiles: every shipped profile loads, and a bad one fails naming file and field."""

from __future__ import annotations

import pytest

from crawler.profiles import SITES_DIR, ProfileError, find_profile, load_profile_file, load_profiles

VALID = """
name = "demo_site"
title = "Demo"
kind = "portal"
start_urls = ["https://example.gov.vn/tin-tuc"]
allowed_domains = ["example.gov.vn"]
article_pattern = '/tin-tuc/\\d+\\.html$'

[owner]
organ = "people_committee"
locality = "Lý Nhân"
province = "Hà Nam"
"""


def write(tmp_path, text):
    path = tmp_path / "site.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_shipped_profiles_load():
    profiles = load_profiles()
    real = {"thanhhoa_baothanhhoa", "langson_baolangson", "backan_baobackan",
            "ninhthuan_baoninhthuan", "hanam_lynhan"}
    test_web = {"testweb_thanhhoa", "testweb_langson", "testweb_backan", "testweb_ninhthuan",
                "testweb_lynhan"}
    assert real | test_web <= set(profiles)
    assert all(not profiles[name].verified for name in real)
    assert all(profiles[name].allowed_domains == ("127.0.0.1",) for name in test_web)
    assert profiles["hanam_lynhan"].owner.locality == "Lý Nhân"
    assert len(list(SITES_DIR.glob("*.toml"))) == len(profiles)


def test_valid_profile_fields(tmp_path):
    profile = load_profile_file(write(tmp_path, VALID))
    assert profile.name == "demo_site"
    assert profile.article_pattern.search("https://example.gov.vn/tin-tuc/12.html")
    assert profile.owner.province == "Hà Nam"
    assert profile.download_delay == 1.0


def test_relative_urls_follow_the_base_url(tmp_path):
    text = VALID.replace('start_urls = ["https://example.gov.vn/tin-tuc"]',
                         'base_url = "http://127.0.0.1:9000"\nstart_urls = ["/tin-tuc"]')
    profile = load_profile_file(write(tmp_path, text))
    assert profile.absolute(profile.start_urls) == ["http://127.0.0.1:9000/tin-tuc"]
    moved = profile.with_base_url("http://127.0.0.1:9999")
    assert moved.absolute(moved.start_urls) == ["http://127.0.0.1:9999/tin-tuc"]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (("name = \"demo_site\"", "name = \"Demo Site\""), "name"),
        (("name = \"demo_site\"\n", ""), "name"),
        (("kind = \"portal\"", "kind = \"blog\""), "kind"),
        (("'/tin-tuc/\\d+\\.html$'", "'/tin-tuc/(\\d+'"), "article_pattern"),
        (('allowed_domains = ["example.gov.vn"]', "allowed_domains = []"), "allowed_domains"),
        (('organ = "people_committee"', 'organ = "ministry"'), "owner.organ"),
        (("title = \"Demo\"", "title = \"Demo\"\nstart_url = \"x\""), "start_url"),
        (("title = \"Demo\"", "title = \"Demo\"\narticle_selector = \"div[\""), "article_selector"),
        (('start_urls = ["https://example.gov.vn/tin-tuc"]', 'start_urls = ["/tin-tuc"]'),
         "start_urls"),
        # A quoted "false" is a non-empty string, which Python reads as true: a profile that
        # meant a live crawl would have been crawled from a web archive.
        (("title = \"Demo\"", "title = \"Demo\"\nwayback = \"false\""), "wayback"),
        (("title = \"Demo\"", "title = \"Demo\"\nautothrottle = \"no\""), "autothrottle"),
        (("title = \"Demo\"", "title = \"Demo\"\nverified = 0"), "verified"),
    ],
)
def test_bad_profile_names_file_and_field(tmp_path, change, field):
    path = write(tmp_path, VALID.replace(*change))
    with pytest.raises(ProfileError) as error:
        load_profile_file(path)
    assert str(path) in str(error.value)
    assert f"field '{field}'" in str(error.value)


def test_flags_take_toml_booleans(tmp_path):
    text = VALID.replace("title = \"Demo\"", "title = \"Demo\"\nwayback = true\n"
                         "autothrottle = false\nverified = false")
    profile = load_profile_file(write(tmp_path, text))
    assert (profile.wayback, profile.autothrottle, profile.verified) == (True, False, False)


def test_broken_toml_and_unknown_name(tmp_path):
    path = write(tmp_path, "name = ")
    with pytest.raises(ProfileError, match="not valid TOML"):
        load_profile_file(path)
    with pytest.raises(ProfileError, match="known: .*testweb_thanhhoa"):
        find_profile("no_such_site")
