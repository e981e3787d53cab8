"""What the roster import pages show: the column guide, the result notice, the two pages' rendering."""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import urlencode

from litestar import Request, Response

from server.core.staff_pages import attachment_headers, staff_render
from server.roster_import import COLUMNS, MAX_BYTES, RosterPreview
from server.roster_import.columns import REQUIRED
from sync.vocabulary import N_

# What to write in each template column, short, for the import page; the template's second sheet
# (columns.EXPLANATIONS) says it at length. Which columns are required comes from the importer.
COLUMN_GUIDE = {
    "楼组": N_("楼组的编号，例如 16"),
    "楼组名称": N_("例如 仙霞路318弄5号；不填时新楼组用地址作名称"),
    "地址": N_("住户地址，不写室号，例如 仙霞路318弄5号"),
    "室号": N_("例如 503"),
    "姓名": N_("居民姓名；同一户里姓名和出生年份一样的算同一个人"),
    "性别": N_("男 或 女"),
    "出生年份": N_("例如 1946，也可以写出生日期"),
    "联系电话": N_("不填时系统里原有的电话不变；写“无”就删去"),
    "关怀标记": N_("这一格是这个人的全部标记，空着表示没有标记；几个之间用顿号或空格隔开，可以写："),
    "备注": N_("给上门走访的人看的提醒，每户一条；不填时原有的不变，写“无”就删去"),
    "楼组长": N_("这个楼组的楼组长姓名"),
    "楼组长账号": N_("楼组长登录用的账号名；没有的账号会新建，由管理员打印登录卡"),
}

NOTICES = {
    "already": N_("这个文件已经导入过了，没有再导入一次。"),
    "expired": N_("这次上传已经超过一天，为了保护居民信息已不再保留，请重新上传文件。"),
}

# The counts of a finished import travel in the redirect's query (numbers only, nothing personal).
RESULT_KEYS = (
    "new_groups", "new_households", "new_residents", "new_leaders",
    "upd_groups", "upd_households", "upd_residents", "upd_leaders", "moved_out",
)
KINDS = ("groups", "households", "residents", "leaders")


def column_guide() -> list[tuple[str, str, bool]]:
    """(header, what to write, required?) in the template's order."""
    return [(column, COLUMN_GUIDE.get(column, ""), column in REQUIRED) for column in COLUMNS]


def result_query(preview: RosterPreview) -> str:
    values = {f"new_{kind}": getattr(preview, kind).created for kind in KINDS}
    values |= {f"upd_{kind}": getattr(preview, kind).updated for kind in KINDS}
    values["moved_out"] = preview.moved_out
    return urlencode({"imported": "1", **values})


def result_from_query(params: Mapping[str, str]) -> dict[str, int] | None:
    """The counts of the import just done, or None when the query does not carry them whole."""
    if params.get("imported") != "1":
        return None
    result = {}
    for key in RESULT_KEYS:
        value = params.get(key, "")
        if not value.isascii() or not value.isdigit() or len(value) > 7:
            return None
        result[key] = int(value)
    return result


def download(body: bytes, filename: str, ascii_filename: str) -> Response:
    """An .xlsx attachment whose Chinese name survives every browser (RFC 6266 filename*)."""
    return Response(
        body, media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers=attachment_headers(ascii_filename, filename),
    )


def import_page(
    request: Request, status_code: int = 200, *, error: str = "", refusal: str = "", notice: str = "",
    result: dict[str, int] | None = None, mark_missing_moved: bool = False,
) -> Response:
    """The upload form. `error` is a msgid of ours, `refusal` the importer's sentence (RosterFileError).
    Synchronous: the too-large handler renders it too, and exception handlers cannot wait."""
    return staff_render(
        request, "office/roster_import.html", "roster_import", status_code=status_code, error=error,
        refusal=refusal, notice=notice,
        result=result, mark_missing_moved=mark_missing_moved, guide=column_guide(),
        max_megabytes=MAX_BYTES // (1024 * 1024),
    )


# A preview of a 50,000-row file can list as many problems; the page shows this many, says so.
PROBLEMS_SHOWN = 1000


def preview_page(
    request: Request, preview: RosterPreview, upload_id: int | None, mark_missing_moved: bool,
    status_code: int = 200, *, confirm_refused: bool = False,
) -> Response:
    """The dry run's result: what would change, every problem, and the confirm button when clean."""
    return staff_render(
        request, "office/roster_preview.html", "roster_import", status_code=status_code, preview=preview,
        upload_id=upload_id, mark_missing_moved=mark_missing_moved, confirm_refused=confirm_refused,
        problems=preview.problems[:PROBLEMS_SHOWN], kinds=KIND_ROWS,
        max_megabytes=MAX_BYTES // (1024 * 1024),
    )


KIND_ROWS = (
    ("groups", N_("楼组")),
    ("households", N_("住户")),
    ("residents", N_("居民")),
    ("leaders", N_("楼组长账号")),
)
