"""`bench/real_pages.py --folder DIR`: a user's own labelled pages, scored as the shared sets
are (vnarchive beside plain trafilatura and htmldate, every rewrite), with or without the shared
folder. The pages here are written for the test."""

from __future__ import annotations

import json
import sys

import pytest

from bench import real_pages

ARTICLE = """<html><head><meta charset="utf-8"><title>{title} - Báo Thử</title></head><body>
<div class="menu"><a href="/">Trang chủ</a> <a href="/thoi-su">Thời sự</a></div>
<h1>{title}</h1><div class="date">Thứ Hai, {day}/03/2024 08:30</div>
<p>Sáng {day}/3, Huyện ủy tổ chức hội nghị sơ kết công tác quý I và triển khai nhiệm vụ
quý II năm 2024 với sự tham dự của các đồng chí trong Ban Thường vụ.</p>
<p>Hội nghị đánh giá các chỉ tiêu kinh tế, xã hội trong quý đều đạt và vượt kế hoạch đề ra,
thu ngân sách tăng so với cùng kỳ năm trước.</p>
<p>Kết luận hội nghị, đồng chí Bí thư Huyện ủy yêu cầu các cấp ủy tập trung chỉ đạo hoàn
thành nhiệm vụ quý II.</p>
<p><strong>Minh Anh</strong></p>
<div class="footer">Bản quyền thuộc về Báo Thử</div></body></html>"""


def labelled_folder(folder, days):
    labels = []
    for number, day in enumerate(days, 1):
        title = f"Huyện ủy triển khai nhiệm vụ quý II, phiên {number}"
        name = f"page_{number}.html"
        (folder / name).write_text(ARTICLE.format(title=title, day=day), encoding="utf-8")
        labels.append({
            "file": name, "title": title, "published": f"2024-03-{day}", "author": "Minh Anh",
            "lead": "", "body_first": "Huyện ủy tổ chức hội nghị sơ kết công tác quý I",
            "body_last": "hoàn thành nhiệm vụ quý II.",
            "boilerplate": ["Bản quyền thuộc về Báo Thử", "Thời sự"]})
    (folder / "labels.json").write_text(json.dumps(labels, ensure_ascii=False), encoding="utf-8")


def run_main(monkeypatch, capsys, *arguments):
    monkeypatch.setattr(real_pages, "OWN_FOLDERS", {})
    monkeypatch.setattr(real_pages, "shared_folder", lambda: None)
    monkeypatch.setattr(sys, "argv", ["real_pages.py", *map(str, arguments)])
    code = real_pages.main()
    return code, capsys.readouterr().out


def test_a_labelled_folder_of_ones_own_is_scored_beside_the_plain_libraries(
        tmp_path, monkeypatch, capsys):
    labelled_folder(tmp_path, ["11", "12"])
    code, out = run_main(monkeypatch, capsys, "--folder", tmp_path)
    assert code == 0
    assert f"real pages: {tmp_path} (2 pages)" in out
    rows = {line.split()[0]: line.split()[1:] for line in out.splitlines()
            if line.split() and line.split()[0] in real_pages.FIELDS}
    # vnarchive and the same pages as a crawl reads them: every field right.
    assert rows["title"][:2] == ["2", "2"]
    assert rows["published"][:2] == ["2", "2"]
    assert rows["author"][:2] == ["2", "2"]
    assert rows["clean"][:2] == ["2", "2"]
    assert "printed dates" in out and "signed" in out and "boxes" in out


def test_a_label_that_does_not_match_the_page_counts_as_a_miss(tmp_path, monkeypatch, capsys):
    labelled_folder(tmp_path, ["11"])
    labels = json.loads((tmp_path / "labels.json").read_text(encoding="utf-8"))
    labels[0]["author"] = "Người Khác"
    (tmp_path / "labels.json").write_text(json.dumps(labels, ensure_ascii=False), encoding="utf-8")
    code, out = run_main(monkeypatch, capsys, "--folder", tmp_path, "--pages")
    assert code == 0
    assert "(vnarchive misses) page_1.html: author" in out


def test_a_folder_without_labels_is_refused_by_name(tmp_path, monkeypatch, capsys):
    with pytest.raises(SystemExit) as stopped:
        run_main(monkeypatch, capsys, "--folder", tmp_path)
    assert stopped.value.code == 2
    assert f"{tmp_path}: no labels.json in it" in capsys.readouterr().err


# The lead printed once: its copies, not the body's sentences opening with its words.

LEAD = ("Phó Bí thư Thành ủy, Chủ tịch Ủy ban MTTQ Việt Nam thành phố làm Trưởng đoàn, đến dâng "
        "hoa, thắp hương tưởng niệm các anh hùng liệt sĩ tại nghĩa trang của tỉnh.")


@pytest.mark.parametrize("text, copies", [
    (LEAD + " Thân bài.", 1),
    (LEAD + " Thân bài. " + LEAD, 2),
    (LEAD + " Thân bài. " + LEAD[:90] + "...", 2),  # a copy cut short, a teaser's
    (LEAD[:-12] + " Thân bài.", 1),  # the label's last words differ a little from the page's
    # The body naming the same officials, then going on otherwise: no copy.
    (LEAD + " " + LEAD[:75] + " (trái) dâng hương tại nhà tưởng niệm.", 1),
    ("Thân bài.", 0),
])
def test_the_lead_is_counted_by_its_copies(text, copies):
    assert real_pages.lead_copies(text, LEAD) == copies
