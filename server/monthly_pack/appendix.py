"""The pack's full lists as an XLSX appendix (the page shows the most pressing rows only):
every open follow-up, every resident due or overdue for a check, every resident in hardship
not seen in the month. One sheet, a column naming the list, written with the export's
streaming writer (server/office/xlsx_stream.py)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from server.core.i18n import translations
from server.core.render import local_time
from server.core.words import OFFICE_REVIEW_WORDS
from server.office.xlsx_stream import XlsxStream
from sync.vocabulary import CARE_FLAG_WORDS, N_, VISIT_STATUS_WORDS

HEADERS = (
    N_("清单"), N_("楼组"), N_("地址"), N_("居民"), N_("记录内容"), N_("日期"), N_("期限"), N_("逾期天数"),
    N_("情况"), N_("负责人"),
)
WIDTHS = (("A", 16), ("B", 14), ("C", 30), ("D", 12), ("E", 50), ("F", 12), ("G", 12), ("H", 10), ("I", 14),
          ("J", 12))
FOLLOW_UPS, NEEDING, HARDSHIP = N_("未办结的跟进事项"), N_("需要看望的居民"), N_("困难居民本月未见到")
NEVER = N_("从未见到")
STATE_WORDS = {"overdue": N_("已逾期"), "due": N_("这几天到期")}


def _rows(lists: dict[str, Any], _) -> Iterator[list[Any]]:
    for r in lists.get("follow_ups", []):
        state = _(OFFICE_REVIEW_WORDS.get(r["state"], r["state"])) + " · " + _(VISIT_STATUS_WORDS.get(r["status"], r["status"]))
        yield [_(FOLLOW_UPS), "", r["address"], "", r["notes"], local_time(r["occurred_at"], "%Y-%m-%d"),
               r["due"] or "", r["overdue_days"] or "", state, r["handler"] or r["leader"]]
    for name, key in ((NEEDING, "needing"), (HARDSHIP, "hardship")):
        for r in lists.get(key, []):
            flags = "、".join(_(CARE_FLAG_WORDS.get(f, f)) for f in r["flags"])
            word = STATE_WORDS.get(r["state"])
            state = _(word) if word else ""
            yield [_(name), r.get("group", ""), r["address"], r["name"], flags,
                   local_time(r["last_seen"], "%Y-%m-%d") if r["last_seen"] else _(NEVER), "",
                   r["days_overdue"] or "", state, ""]


def appendix_chunks(lists: dict[str, Any], locale: str) -> Iterator[bytes]:
    _ = translations(locale).gettext
    stream = XlsxStream(_("附表"), [_(h) for h in HEADERS], WIDTHS)
    yield stream.head()
    batch: list[list[Any]] = []
    for row in _rows(lists, _):
        batch.append(row)
        if len(batch) == 500:
            yield stream.add(batch)
            batch = []
    yield stream.add(batch)
    yield stream.close()
