"""`/office/monthly...`: the monthly meeting pack (民情分析会材料), its PDF and XLSX appendix,
closing a month, and the entries that arrived after a month was closed.

The current month is computed on each view (set-based, only what the page shows). A month that
is over is closed on its first view (or by the office's button, or `louzu close-months`) and
from then on read from its stored figures (server/monthly_pack/closing.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import anyio
from litestar import Request, Response, get, post
from litestar.params import FromQuery
from litestar.response import Redirect

from server import audit
from server.core.clock import now_utc
from server.core.dates import Month, today_shanghai
from server.core.render import path_for, render_string, request_locale
from server.core.staff_pages import (
    WORDS,
    attachment_headers,
    code,
    current_community,
    current_user,
    staff_render,
)
from server.models import Community, Visit
from server.monthly_pack.appendix import appendix_chunks
from server.monthly_pack.closing import (
    Afterwards,
    Closed,
    afterwards,
    close_month,
    is_over,
    late_entry_ids,
    read_closed,
    read_lists,
)
from server.monthly_pack.figures import compute
from server.monthly_pack.pdf import render_pdf
from server.office.charts import bar_chart
from server.office.queries import with_people
from sync.vocabulary import N_

BAD_MONTH = N_("月份格式应为 年-月，例如 2026-11，且不能晚于本月。")
NOT_OVER = N_("这个月还没有结束，月末以后才能封存。")
NOTICES = {
    "closed": N_("已封存。以后再打开，这个月的数字都不会变。"),
    "already": N_("这个月早已封存，数字保持封存时的样子。"),
}
LATE_SHOWN = 500


@dataclass
class Pack:
    month: Month
    figures: dict[str, Any]
    closed: Closed | None
    after: Afterwards | None


def _month(text: str | None) -> Month | None:
    today = today_shanghai()
    try:
        chosen = Month.parse(text, today)
    except ValueError:
        return None
    return None if chosen.first > today else chosen


async def load_pack(community: Community, month: Month) -> Pack:
    """The closed month's stored figures (closing it first when it is over), or now's."""
    if is_over(month):
        closed = await read_closed(community.id, month)
        if closed is None:
            closed, _ = await close_month(community, month)
        return Pack(month, closed.figures, closed, await afterwards(community.id, month, closed))
    data = await compute(community, month, now_utc(), live=True)
    return Pack(month, data["figures"], None, None)


def _charts(figures: dict[str, Any]) -> dict[str, Any]:
    return {
        "kind": bar_chart(N_("按走访类型"), [tuple(r) for r in figures["by_kind"]], translate=True),
        "status": bar_chart(N_("按状况"), [tuple(r) for r in figures["by_status"]], translate=True),
    }


def _bad_month(request: Request, text: str | None, error: str = BAD_MONTH) -> Response:
    today = today_shanghai()
    return staff_render(
        request, "office/monthly.html", "monthly", status_code=400, p=None, month_text=text or "",
        error=error, this_month=Month(today.year, today.month),
    )


def _context(pack: Pack) -> dict[str, Any]:
    today = today_shanghai()
    return {
        "p": pack.figures, "month": pack.month, "closed": pack.closed, "after": pack.after,
        "charts": _charts(pack.figures), "month_text": pack.month.key, "this_month": Month(today.year, today.month),
    }


class MonthlyRoutes:
    @get("/monthly", name="office_monthly")
    async def monthly(
        self, request: Request, month: FromQuery[str | None] = None, saved: FromQuery[str | None] = None
    ) -> Response:
        """The meeting pack of `month=YYYY-MM` (this month when left out); prints on A4."""
        chosen = _month(month)
        if chosen is None:
            return _bad_month(request, month)
        community = await current_community(request)
        pack = await load_pack(community, chosen)
        close_previous = None
        if pack.closed is None and await read_closed(community.id, chosen.previous()) is None:
            close_previous = chosen.previous()
        return staff_render(
            request, "office/monthly.html", "monthly", **_context(pack), close_previous=close_previous,
            notice=NOTICES.get(saved or "", ""),
        )

    @post("/monthly/close", name="office_monthly_close")
    async def close(self, request: Request) -> Response:
        """Closes a month that is over: its pack as of its end, kept; idempotent; audited."""
        form = await request.form()
        text = str(form.get("month") or "").strip()
        chosen = _month(text) if text else None
        if chosen is None:
            return _bad_month(request, text)
        if not is_over(chosen):
            return _bad_month(request, text, NOT_OVER)
        _, closed_now = await close_month(await current_community(request), chosen, current_user(request))
        saved = "closed" if closed_now else "already"
        return Redirect(path_for(request, "office_monthly", month=chosen.key, saved=saved), status_code=303)

    @get("/monthly/late", name="office_monthly_late")
    async def late(self, request: Request, month: FromQuery[str | None] = None) -> Response:
        """Entries of a closed month the server received after the month's end."""
        chosen = _month(month)
        if chosen is None:
            return _bad_month(request, month)
        if not is_over(chosen):
            return _bad_month(request, month, NOT_OVER)
        community = await current_community(request)
        ids = await late_entry_ids(community.id, chosen)
        visits = await with_people(Visit.filter(id__in=ids)).order_by("received_at").limit(LATE_SHOWN) if ids else []
        total = len(ids)
        return staff_render(
            request, "office/monthly_late.html", "monthly", month=chosen, visits=visits, total=total,
            closed=await read_closed(community.id, chosen),
        )

    @get("/monthly.pdf", name="office_monthly_pdf")
    async def pdf(self, request: Request, month: FromQuery[str | None] = None) -> Response:
        """The pack as an A4 PDF (WeasyPrint), to file and send; audited."""
        chosen = _month(month)
        if chosen is None:
            return _bad_month(request, month)
        community = await current_community(request)
        pack = await load_pack(community, chosen)
        html = render_string(request, "office/monthly.html", **_context(pack), words=WORDS, section="monthly",
                             code=code, for_pdf=True)
        body, pages = await anyio.to_thread.run_sync(render_pdf, html)
        await audit.record(request, "monthly_pdf", target_type="community", target_id=community.id,
                           month=chosen.key, pages=pages)
        return _download(body, "application/pdf", f"monthly-{chosen.key}.pdf")

    @get("/monthly.xlsx", name="office_monthly_xlsx")
    async def appendix(self, request: Request, month: FromQuery[str | None] = None) -> Response:
        """The pack's full lists as an Excel appendix; audited."""
        chosen = _month(month)
        if chosen is None:
            return _bad_month(request, month)
        community = await current_community(request)
        if is_over(chosen):
            await load_pack(community, chosen)  # closes it when not yet closed
            lists = await read_lists(community.id, chosen) or {}
        else:
            lists = (await compute(community, chosen, now_utc(), full=True, live=True))["lists"]
        body = b"".join(appendix_chunks(lists, request_locale(request)))
        await audit.record(request, "monthly_xlsx", target_type="community", target_id=community.id,
                           month=chosen.key)
        return _download(body, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                         f"monthly-{chosen.key}.xlsx")


def _download(body: bytes, media_type: str, filename: str) -> Response:
    return Response(body, media_type=media_type, headers=attachment_headers(filename))

