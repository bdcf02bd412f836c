"""Fill an archive with N realistic articles through the store's own batch API, not by crawling.

    python bench/fill_archive.py ARCHIVE.db --articles 100000 [--batch-size 1000] [--seed 7]
                                 [--dates backfill|crawl]

Articles are made from the test web's hand-written ones (testweb/content/articles/) and their
hand labels: each new article takes a written article's title and the first sentence of its
opening paragraph, then sentences of its own, made word by word from what follows each word
in the articles of its kind (meeting reports or other news: bench/band_recurrence.py compares
how often their story bands recur with real news), with its own figures, a day anywhere in
2015-2025 (a backfill's; with `--dates crawl`, a scheduled crawl's: within three days before
its fetch), and one family's page markup as its stored source. About
7% are meeting reports (their fields, officials and figures from the labels, periods moved to
the article's year), 3% are copies of a recent article on another site (another story member,
a prefix and a dropped paragraph), 1% are a later fetch of a recent article with an added
paragraph (an `article_versions` row). Rows go through `archive/writer.py`'s `ArchiveWriter`
(add_article + batched flush: stories, full-text index, versions, meeting tables), as a crawl's
rows do; only the fetch itself (pages rows, WARC records) is left out. Every 68 articles the
run history a 6-hourly schedule leaves is added (one crawl run, one `site_runs` row per site):
ten years of it at a million articles.

Articles are numbered, and a second fill of the same archive goes on from the last number
(kept in `ARCHIVE.db.fill.json`), so one archive grows to 10,000, then 100,000, then a million.
The last line printed is JSON: numbers generated, seconds, rows/s overall and per window of
articles, peak RSS (MB).
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import random
import re
import resource
import signal
import sys
import time
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from functools import cache, partial
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from archive.runs import record_site  # noqa: E402
from archive.schema import open_database, search_columns  # noqa: E402
from archive.writer import ArchiveWriter  # noqa: E402
from pipelines.fingerprint import encode, signature  # noqa: E402
from pipelines.gazetteer import province_2025  # noqa: E402
from testweb.content import VIETNAM_TIME, Article, load_articles, load_labels  # noqa: E402
from testweb.families import ARTICLE_FAMILIES, FAMILIES  # noqa: E402

MEETING_SHARE = 0.07  # of a provincial portal's articles (issue 19: 5-10%)
COPY_SHARE = 0.03
UPDATE_SHARE = 0.01
ARTICLES_PER_RUN = 68  # a million articles over ten years of runs every six hours
START = datetime(2015, 1, 1, 6, 0, tzinfo=VIETNAM_TIME)
SPAN_MINUTES = 11 * 365 * 24 * 60  # 2015 to 2025
# Rows per writer batch (one transaction each), as a bulk import writes: a crawl's 50 pay
# the per-transaction costs (the full-text index's flush, the indexes' dirty pages) 20 times.
BATCH_SIZE = 1000
CRAWL_LAG_MINUTES = 3 * 24 * 60  # a scheduled crawl finds an article within three days
DATES = ("backfill", "crawl")
RECENT = 50  # copies and updates are of one of the last RECENT articles written
ORGAN_NAMES = {"party_committee": "Huyện ủy", "people_committee": "UBND huyện",
               "people_council": "HĐND huyện", "front": "Ủy ban MTTQ huyện", "other": "Ban"}
OFFICIALS = (("Nguyễn Văn Hùng", "Bí thư Huyện ủy"), ("Trần Thị Lan", "Chủ tịch UBND huyện"),
             ("Lê Văn Thắng", "Phó Bí thư Thường trực"), ("Hoàng Anh Tuấn", "Chủ tịch HĐND"))
NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
SENTENCE_END = re.compile(r"(?<=[.;!?])\s+")


@dataclass(frozen=True)
class Template:
    article: Article
    label: dict[str, str]
    is_meeting: bool


# Sentences are made, not drawn whole from the written ones: an article's 5-word shingles are
# then mostly its own, as in real news. Of 6,281 real texts' story bands 3.6% are in another
# text too, and 49 pairs of texts a thousand share two (story candidates); of as many fill
# articles, with sentences drawn whole, 25.4% and 231 (bench/band_recurrence.py), and at a
# million articles two thirds of a new article's bands were stored already: every story lookup
# read them, a cost real news does not have. Each word follows the one before it as in some
# written sentence (6.4% and 43; after the two before it, 13.4% and 49: common phrases recur
# whole), so the words and their frequencies, what search meets, stay those of the articles.
CHAIN_ORDER = 1
END = ""  # what follows a sentence's last word


@dataclass(frozen=True)
class WordChain:
    """What follows each run of CHAIN_ORDER words in a kind's written sentences, repeated as
    often as it does, the sentences' openings and their lengths in words."""
    openings: tuple[tuple[str, ...], ...]
    following: dict[tuple[str, ...], tuple[str, ...]]
    lengths: tuple[int, ...]

    @classmethod
    def of(cls, sentences: list[str]) -> WordChain:
        following: dict[tuple[str, ...], list[str]] = {}
        openings, lengths = [], []
        for sentence in sentences:
            words = sentence.split()
            if len(words) <= CHAIN_ORDER:
                continue
            openings.append(tuple(words[:CHAIN_ORDER]))
            lengths.append(len(words))
            for i in range(len(words) - CHAIN_ORDER + 1):
                after = words[i + CHAIN_ORDER] if i + CHAIN_ORDER < len(words) else END
                following.setdefault(tuple(words[i:i + CHAIN_ORDER]), []).append(after)
        return cls(tuple(openings), {key: tuple(value) for key, value in following.items()},
                   tuple(lengths))

    def sentence(self, rng: random.Random) -> str:
        """A sentence as long as a written one drawn at random (texts as long as before)."""
        length = rng.choice(self.lengths)
        words = list(rng.choice(self.openings))
        while len(words) < length:
            after = rng.choice(self.following[tuple(words[-CHAIN_ORDER:])])
            if after == END:  # too short: another sentence goes on
                words += rng.choice(self.openings)
            else:
                words.append(after)
        sentence = " ".join(words[:length])
        return sentence if sentence[-1] in ".;!?" else sentence + "."


@dataclass(frozen=True)
class Corpus:
    templates: dict[bool, list[Template]]  # by is_meeting
    chains: dict[bool, WordChain]
    sites: tuple[str, ...]


@cache
def load_corpus() -> Corpus:
    labels = load_labels()
    templates: dict[bool, list[Template]] = {True: [], False: []}
    sentences: dict[bool, list[str]] = {True: [], False: []}
    for article in load_articles():
        label = labels.get(article.id)
        if label is None:
            continue
        meeting = label["is_meeting_report"] == "1"
        templates[meeting].append(Template(article, label, meeting))
        for paragraph in article.paragraphs[1:]:
            sentences[meeting] += [s for s in SENTENCE_END.split(paragraph) if len(s) > 40]
    return Corpus(templates, {kind: WordChain.of(sentences[kind]) for kind in sentences},
                  tuple(f"testweb_{name}" for name in ARTICLE_FAMILIES))


def vary_numbers(text: str, rng: random.Random) -> str:
    """Each figure replaced by another of the same length: every report has its own."""
    return NUMBER.sub(lambda m: str(rng.randrange(10 ** (len(m.group()) - 1),
                                                  10 ** len(m.group()))), text)


def body_of(template: Template, corpus: Corpus, rng: random.Random) -> tuple[str, ...]:
    """The template's first sentence and one made sentence, then 3-6 paragraphs of 2-4 made
    sentences, in the words of articles of its kind."""
    chain = corpus.chains[template.is_meeting]
    first = SENTENCE_END.split(template.article.paragraphs[0])[0]
    paragraphs = [vary_numbers(f"{first} {chain.sentence(rng)}", rng)]
    for _ in range(rng.randint(3, 6)):
        paragraphs.append(" ".join(vary_numbers(chain.sentence(rng), rng)
                                   for _ in range(rng.randint(2, 4))))
    return tuple(paragraphs)


def periods(kind: str, day: datetime) -> tuple[str, str]:
    """Periods reviewed and deployed of a meeting held on `day`."""
    year, quarter = day.year, (day.month - 1) // 3 + 1
    if kind == "quarterly":
        return (f"{year}-Q{quarter - 1}" if quarter > 1 else f"{year - 1}-Q4"), f"{year}-Q{quarter}"
    if kind == "monthly":
        previous = day.replace(day=1) - timedelta(days=1)
        return f"{previous:%Y-%m}", f"{day:%Y-%m}"
    if kind == "half_year":
        return (f"{year}-H1", f"{year}-H2") if day.month > 6 else (f"{year - 1}-H2", f"{year}-H1")
    return str(year - 1), str(year)


def meeting_of(label: dict[str, str], day: datetime, rng: random.Random) -> dict:
    reviewed, deployed = periods(label["kind"], day)
    organ = label["organ"] or "other"
    officials = [{"name": name, "title": title} for name, title in rng.sample(OFFICIALS, 2)]
    revenue = rng.randrange(20, 3000) / 10
    figures = [{"text": f"thu ngân sách đạt {revenue:.1f} tỷ đồng".replace(".", ","),
                "value": revenue, "total": None, "unit": "tỷ đồng",
                "label": "thu ngân sách nhà nước"},
               {"text": f"{rng.randrange(100, 5000)} ha lúa", "value": rng.randrange(100, 5000),
                "total": None, "unit": "ha", "label": "diện tích gieo cấy"}]
    return {"kind": label["kind"], "organ": organ,
            "organ_name": f"{ORGAN_NAMES[organ]} {label['locality']}".strip(),
            "locality": label["locality"] or None,
            "locality_level": label["locality_level"] or None,
            "province": label["province"] or None,
            "province_2025": province_2025(label["province"] or None),
            "meeting_date": f"{day - timedelta(days=rng.randint(0, 2)):%Y-%m-%d}",
            "period_reviewed": reviewed, "period_deployed": deployed,
            "officials": officials, "figures": figures}


def fresh_article(number: int, corpus: Corpus, rng: random.Random,
                  dates: str = "backfill") -> dict:
    is_meeting = rng.random() < MEETING_SHARE
    template = rng.choice(corpus.templates[is_meeting])
    published = published_at(number, rng.randrange(SPAN_MINUTES), dates)
    site = rng.choice(corpus.sites)
    title = re.sub(r"\b20\d\d\b", str(published.year), template.article.title)
    article = replace(template.article, id=f"{site}/{number}", number=number, title=title,
                      published=published, body=body_of(template, corpus, rng))
    return {"article": article, "site": site,
            "meeting": meeting_of(template.label, published, rng) if is_meeting else None}


def published_at(number: int, minutes: int, dates: str) -> datetime:
    """A backfill's article was published any day of 2015-2025, whenever it is fetched; a
    scheduled crawl's in the three days before its fetch. One draw serves both, so the other
    draws, and a backfill's rows, do not depend on the mode."""
    if dates == "crawl":
        return fetched_at(number) - timedelta(minutes=minutes % CRAWL_LAG_MINUTES)
    return START + timedelta(minutes=minutes)


def copied_article(original: dict, corpus: Corpus, rng: random.Random) -> dict:
    """Another site's copy of a recent article, days later: a near duplicate, one story."""
    source: Article = original["article"]
    site = rng.choice([s for s in corpus.sites if s != original["site"]])
    body = (f"({site.removeprefix('testweb_').title()}) - {source.body[0]}", *source.body[1:-1])
    article = replace(source, id=f"{site}/{source.number}c", number=source.number + 10**8,
                      title=f"{source.title} (tin từ cơ sở)", body=body,
                      published=source.published + timedelta(hours=rng.randint(1, 72)))
    return {**original, "article": article, "site": site}


def updated_article(original: dict, rng: random.Random) -> dict:
    """The same URL fetched again after an edit: its old text becomes a version."""
    source: Article = original["article"]
    extra = f"Bài viết được cập nhật lúc {rng.randint(7, 22)} giờ cùng ngày."
    return {**original, "article": replace(source, body=(*source.body, extra)), "updated": True}


def draw_of(number: int, seed: int) -> random.Random:
    """Article `number`'s own random source: every article is a function of its number, so
    rows can be made in another process, in any order."""
    return random.Random(seed * 10**9 + number)


def is_fresh(number: int, seed: int) -> bool:
    return number < RECENT or draw_of(number, seed).random() >= COPY_SHARE + UPDATE_SHARE


def spec_of(number: int, corpus: Corpus, seed: int, dates: str = "backfill") -> dict:
    rng = draw_of(number, seed)
    draw = rng.random()
    if number < RECENT or draw >= COPY_SHARE + UPDATE_SHARE:
        return fresh_article(number, corpus, rng, dates)
    earlier = rng.choice([n for n in range(number - RECENT, number) if is_fresh(n, seed)])
    original_rng = draw_of(earlier, seed)
    original_rng.random()
    original = fresh_article(earlier, corpus, original_rng, dates)
    if draw < COPY_SHARE:
        return copied_article(original, corpus, rng)
    return updated_article(original, rng)


@cache
def family_of(name: str):
    return FAMILIES[name]([])


def article_row(spec: dict, fetched_at: str) -> dict:
    """What pipelines.process gives the writer for one page, for this article."""
    article: Article = spec["article"]
    family_name = spec["site"].removeprefix("testweb_")
    family = family_of(family_name)
    path = family.article_path(article)
    if str(article.number) not in path:  # SharePoint portals name pages by title alone
        stem, dot, extension = path.rpartition(".")
        path = f"{stem}-{article.number}{dot}{extension}"
    url = f"https://{family_name}.example.vn{path}"
    text = "\n\n".join(article.paragraphs)
    meeting = spec["meeting"]
    row = {"canonical_url": url, "url": url, "site": spec["site"], "title": article.title,
           "lead": article.lead or None, "text": text, "author": article.author or None,
           "published": article.published.isoformat(timespec="minutes"),
           "published_source": "meta", "event_date": meeting and meeting["meeting_date"],
           "language": "vi", "encoding": "utf-8", "photo_credits": [], "warnings": [],
           "is_meeting_report": int(meeting is not None),
           "confidence": 0.9 if meeting else 0.1, "found_via": "sitemap", "status": 200,
           "fetched_at": fetched_at, "extractor_version": "fill", "classifier_version": "fill",
           "warc_file": None, "warc_offset": None, "meeting": meeting,
           # A crawled page is kept in the WARC files alone (archive/article_rows.py
           # kept_page); the fill writes none, and keeps no page either.
           "html": None}
    row.update(search_columns(article.title, text))
    row["story_signature"] = encode(signature(row["text_folded"]))
    return row


def fetched_at(number: int) -> datetime:
    """When article `number` was fetched: the archive grows over ten years of runs."""
    return START + timedelta(minutes=number * 6 * 60 // ARTICLES_PER_RUN)


def row_of(number: int, seed: int = 7, dates: str = "backfill") -> dict:
    return article_row(spec_of(number, load_corpus(), seed, dates),
                       fetched_at(number).isoformat(timespec="seconds"))


def record_run_history(db, sites: tuple[str, ...], moment: datetime) -> None:
    """One scheduled run of every site, as `vnarchive status` reads them."""
    stamp = moment.isoformat(timespec="seconds")
    run_id = db["crawl_runs"].insert({"started_at": stamp, "finished_at": stamp,
                                      "status": "finished", "sites": json.dumps(sites)}).last_pk
    db["site_runs"].insert_all({
        "run_id": run_id, "site": site, "started_at": stamp, "finished_at": stamp,
        "finish_reason": "finished", "pages": 30, "bytes": 900_000, "not_modified": 20,
        "article_pages": 3, "listing_pages_parsed": 4, "listing_article_links": 40,
        "articles_new": 3, "articles_updated": 0, "meeting_reports": 0,
        "pages_without_text": 0, "errors": 0, "errors_by_kind": "{}",
        "duration_seconds": 60.0} for site in sites)


def progress_file(db_path: str) -> Path:
    return Path(f"{db_path}.fill.json")


def fill_history(db_path: str) -> list[dict]:
    """The results of every fill of this archive, first to last."""
    path = progress_file(db_path)
    return json.loads(path.read_text())["fills"] if path.exists() else []


def generated_so_far(db_path: str) -> int:
    """How many article numbers earlier fills of this archive generated."""
    history = fill_history(db_path)
    return history[-1]["to"] if history else 0


def record_progress(db_path: str, result: dict) -> None:
    fills = [*fill_history(db_path), result]
    progress_file(db_path).write_text(json.dumps({"fills": fills}))


def made_rows(pool, start: int, target: int, seed: int, chunk: int = 2000,
              dates: str = "backfill"):
    """Rows start..target-1 in order, made by the pool one chunk ahead of the writer: at most
    two chunks are held, so memory stays flat however far the writer lags (Pool.imap would
    queue every row made)."""
    pending = None
    for first in range(start, target, chunk):
        numbers = range(first, min(first + chunk, target))
        ahead = pool.map_async(partial(row_of, seed=seed, dates=dates), numbers, 250)
        if pending is not None:
            yield from pending.get()
        pending = ahead
    if pending is not None:
        yield from pending.get()


def disk_bytes() -> tuple[int, int]:
    """Bytes this process has had read from and written to the disk itself, not the kernel's
    page cache (/proc/self/io; 0 and 0 where there is none). At a million articles the same
    window ran at 0.28 and at 0.53 of the 10,000 rate, with the archive out of the cache and
    in it: the MB read beside each window tells which."""
    try:
        text = Path("/proc/self/io").read_text()
    except OSError:
        return 0, 0
    fields = dict(line.split(": ") for line in text.splitlines())
    return int(fields["read_bytes"]), int(fields["write_bytes"])


def own_peak_rss_mb() -> float:
    """This process's peak resident memory since it started (the kernel's VmHWM). getrusage's
    maxrss also keeps the peak of the process it was forked from, before its exec: a fill
    started by bench_scale.py, after that had measured Datasette and an export, reported
    bench_scale's own peak when it was the larger."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


class Stop:
    """Set by SIGTERM: the fill closes its writer and records how far it got."""

    requested = False

    @classmethod
    def request(cls, *_: object) -> None:
        cls.requested = True


def fill(db_path: str, target: int, batch_size: int = BATCH_SIZE, seed: int = 7,
         window: int = 5000, cache_mb: int | None = None, dates: str = "backfill") -> dict:
    """Add articles until numbers 0..target-1 have been generated. Throughput counts only the
    time spent in the writer (generating a row is the crawl's work, not the store's): overall
    and per window of `window` articles, with the writer's CPU time per row, which a busy
    machine disturbs less than its wall-clock rate. The CPU time is this thread's (SQLite
    runs in it) and the writer's checkpoint thread's: the pool's result thread, unpickling
    the rows made, is left out."""
    corpus = load_corpus()
    db = open_database(db_path)
    for site in corpus.sites:
        record_site(db, {"name": site, "title": site, "kind": "newspaper"})
    db.close()
    start = number = generated_so_far(db_path)
    writer = ArchiveWriter(db_path, batch_size=batch_size, site="fill")
    if cache_mb:  # a bulk import's page cache, to reach a large size sooner (not measured)
        writer.db.execute(f"PRAGMA cache_size = -{int(cache_mb) * 1024}")
    windows, started = [], time.perf_counter()
    writing = window_writing = cpu = counted_checkpoints = 0.0
    read_before = disk_bytes()[0]
    # Rows are made by a process of their own (a crawl's workers make them too); this one
    # only writes, and only its time in the writer is counted. Spawned, not forked: a fork of
    # a process with threads (a test runner's) can inherit a held lock and hang for ever.
    context = multiprocessing.get_context("spawn")
    with context.Pool(1, signal.signal, (signal.SIGTERM, signal.SIG_DFL)) as pool:
        for number, row in enumerate(made_rows(pool, start, target, seed, dates=dates), start):
            if Stop.requested:
                break
            before, before_cpu = time.perf_counter(), time.thread_time()
            writer.add_article(row)
            if number % ARTICLES_PER_RUN == 0:
                with writer.db.atomic():
                    record_run_history(writer.db, corpus.sites, fetched_at(number))
            window_writing += time.perf_counter() - before
            cpu += time.thread_time() - before_cpu
            if (number + 1 - start) % window == 0:
                # The WAL's checkpoints run on a thread of the writer's own: counted too.
                checkpoints = writer.checkpoint_cpu_seconds
                cpu, counted_checkpoints = cpu + checkpoints - counted_checkpoints, checkpoints
                read_now = disk_bytes()[0]
                windows.append({"articles": number + 1,
                                "rows_per_s": round(window / window_writing, 1),
                                "cpu_ms_per_row": round(cpu / window * 1000, 2),
                                "disk_read_mb": round((read_now - read_before) / 2**20, 1)})
                read_before = read_now
                print(json.dumps(windows[-1]), file=sys.stderr, flush=True)
                writing, window_writing, cpu = writing + window_writing, 0.0, 0.0
        else:
            number = target
        pool.terminate()
    before = time.perf_counter()
    writer.close()
    writing += window_writing + time.perf_counter() - before
    reached = max(start, number)
    result = {"from": start, "to": reached, "seconds": round(time.perf_counter() - started, 1),
              "writer_seconds": round(writing, 1),
              "rows_per_s": round((reached - start) / writing, 1) if writing else 0.0,
              "windows": windows,
              "peak_rss_mb": round(own_peak_rss_mb(), 1)}
    record_progress(db_path, result)
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("db")
    parser.add_argument("--articles", type=int, required=True)
    parser.add_argument("--batch-size", type=int, default=BATCH_SIZE)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--window", type=int, default=5000, help="rows per throughput figure")
    parser.add_argument("--cache-mb", type=int,
                        help="the writer's page cache in MiB (default: the writer's own, 64)")
    parser.add_argument("--dates", choices=DATES, default="backfill",
                        help="articles published any day of 2015-2025 (a backfill) or in the "
                             "three days before each is fetched (scheduled crawls)")
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, Stop.request)
    result = fill(args.db, args.articles, args.batch_size, args.seed, args.window,
                  args.cache_mb, args.dates)
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
