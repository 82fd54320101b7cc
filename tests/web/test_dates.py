"""One date format on every page: "1 December 2026" in a ``<time datetime="2026-12-01">``."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

from kb.web.dates import date_tag, dates_in_words

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"


def text(response) -> str:
    return response.get_data(as_text=True)


def test_date_tag_writes_the_day_in_words_and_the_iso_date():
    assert date_tag(dt.date(2026, 12, 1)) == '<time datetime="2026-12-01">1 December 2026</time>'
    assert date_tag(dt.datetime(2025, 4, 1, 11, 0)) == '<time datetime="2025-04-01">1 April 2025</time>'
    assert date_tag("2025-03-05T10:00:00") == '<time datetime="2025-03-05">5 March 2025</time>'  # git's stored dates
    assert date_tag(None) == "" and date_tag("") == ""


def test_date_tag_with_time_gives_the_utc_time():
    aware = dt.datetime(2026, 7, 4, 9, 5, tzinfo=dt.timezone(dt.timedelta(hours=-4)))
    assert date_tag(aware, with_time=True) == '<time datetime="2026-07-04T13:05Z">4 July 2026, 13:05 UTC</time>'
    assert date_tag(dt.datetime(2026, 7, 4, 9, 5), with_time=True) == '<time datetime="2026-07-04T09:05Z">4 July 2026, 09:05 UTC</time>'


def test_dates_in_a_message_are_written_in_words_and_the_rest_escaped():
    shown = dates_in_words("Due since 2026-03-01 (<b>review</b> date); 2026-13-45 and SAMM 2026-01 stay")
    assert shown == 'Due since <time datetime="2026-03-01">1 March 2026</time> (&lt;b&gt;review&lt;/b&gt; date); 2026-13-45 and SAMM 2026-01 stay'


def test_the_article_page_writes_its_review_date_in_words(client):
    page = text(client.get("/articles/fms/letter-of-request"))
    assert '<li>Review by <time datetime="2030-01-01">1 January 2030</time></li>' in page
    updated = re.search(r'<li>Updated <time datetime="(\d{4}-\d\d-\d\d)">(\d{1,2} [A-Z][a-z]+ \d{4})</time></li>', page)
    assert updated and dt.date.fromisoformat(updated[1]) == dt.datetime.strptime(updated[2], "%d %B %Y").date()


def test_no_template_formats_a_date_itself():
    """Every date goes through the ``date_tag`` filter: no template writes one its own way."""
    own_way = re.compile(r"strftime|isoformat|<time|\.date\[:10\]|\bdate\[:10\]|updated\[:10\]")
    offenders = [str(p.relative_to(TEMPLATES)) for p in TEMPLATES.rglob("*.html") if own_way.search(p.read_text(encoding="utf-8"))]
    assert offenders == []
    uses = sum(p.read_text(encoding="utf-8").count("|date_tag") for p in TEMPLATES.rglob("*.html"))
    assert uses >= 11
