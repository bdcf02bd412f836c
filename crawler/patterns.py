"""A profile's URL patterns, matched in bounded time.

Python's `re` backtracks: `article_pattern = '(a+)+$'` against a link to `/aaaa…a!` never
returns, and since the match runs inside the reactor's thread, the whole crawl hangs and
ignores SIGTERM. So a pattern runs on RE2 (google-re2), whose matching is linear in the URL's
length. RE2 has no lookaround or backreferences, which some portal profiles need
(`Pages/(?!default\\.aspx)`); such a pattern runs on the `regex` module with a time limit on
every match, and is tried at load on strings that make backtracking patterns explode, so a
pattern that would hang is refused with the profile's other errors.
"""

from __future__ import annotations

import logging
import re
import string

import re2
import regex

logger = logging.getLogger(__name__)

MATCH_SECONDS = 0.5  # per URL, for a pattern RE2 cannot run (a match takes microseconds;
# the limit is wall-clock time, so it leaves room for a loaded machine)
PROBE_SECONDS = 0.2
# What RE2 cannot run: lookaround and backreferences (checked first, so RE2 does not log an
# error for every such profile).
BEYOND_RE2 = re.compile(r"\(\?<?[=!]|\\[1-9]|\(\?P=")


class PatternError(ValueError):
    """A URL pattern is not a valid regular expression, or would take too long to match."""


class UrlPattern:
    """A compiled URL pattern with `re.Pattern`'s `search` and `pattern`."""

    def __init__(self, pattern: str):
        self.pattern = pattern
        self.linear = not BEYOND_RE2.search(pattern)
        try:
            self._compiled = re2.compile(pattern) if self.linear else regex.compile(pattern)
        except (re2.error, regex.error) as error:
            raise PatternError(f"not a valid regular expression: {_message(error)}") from None
        if not self.linear:
            _probe(self._compiled)

    def search(self, url: str):
        if self.linear:
            return self._compiled.search(url)
        try:
            return self._compiled.search(url, timeout=MATCH_SECONDS)
        except TimeoutError:
            logger.warning("URL pattern %r took over %g s on %s: taken as no match",
                           self.pattern, MATCH_SECONDS, url[:200])
            return None

    def __reduce__(self):  # into worker processes: compiled again there
        return UrlPattern, (self.pattern,)

    def __eq__(self, other) -> bool:
        return isinstance(other, UrlPattern) and other.pattern == self.pattern

    def __hash__(self) -> int:
        return hash(self.pattern)

    def __repr__(self) -> str:
        return f"UrlPattern({self.pattern!r})"


def _message(error: Exception) -> str:
    text = error.args[0] if error.args else str(error)
    return text.decode("utf-8", "replace") if isinstance(text, bytes) else str(text)


def _probe(compiled) -> None:
    """Refuse a pattern that backtracks out of bounds on long runs of one character followed
    by one that breaks the match (the shape of every catastrophic-backtracking input)."""
    for character in string.ascii_lowercase + string.digits + "-_./=?&%":
        for ending in ("!", "\n", "/"):
            probe = "http://example.vn/" + character * 40 + ending
            if _times_out(compiled, probe) and _times_out(compiled, probe):  # not a hiccup
                raise PatternError(
                    f"takes over {PROBE_SECONDS} s on {probe!r}: nested repetition backtracks "
                    "without end; write it without a repeated group inside a repetition")


def _times_out(compiled, text: str) -> bool:
    try:
        compiled.search(text, timeout=PROBE_SECONDS)
    except TimeoutError:
        return True
    return False
