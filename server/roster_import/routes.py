"""`/office/roster/import`, `template.xlsx`, `export.xlsx`: the committee's roster spreadsheet in and out.

Upload -> preview (nothing written) -> confirm. The previewed bytes are kept in a RosterUpload
row of the user's committee, so the confirmed import reads exactly what was previewed, on
whichever app process answers. Every upload is looked up within the user's community: another
committee's answers 404 like a missing one.
"""

from __future__ import annotations

from litestar import Request, Response, get, post
from litestar.datastructures import UploadFile
from litestar.exceptions.http_exceptions import RequestEntityTooLarge
from litestar.params import FromPath
from litestar.response import Redirect
from tortoise.transactions import in_transaction

from server import audit
from server.auth.guards import role_required
from server.core.clock import now_utc
from server.core.dates import today_shanghai
from server.core.errors import found, on_http_exception, on_role_refused
from server.core.pages import Pages
from server.core.render import path_for
from server.core.staff_pages import current_community, current_user
from server.models import Community, Role, RosterUpload
from server.roster_import import (
    MAX_BYTES,
    RosterFileError,
    RosterPreview,
    export_roster,
    import_roster,
    preview_roster,
    roster_template,
    screens,
    uploads,
)
from sync.vocabulary import N_

# The file may be as large as the importer reads (MAX_BYTES) plus the form around it: the
# boundaries, the part headers, the CSRF token and the checkbox. Other routes keep the app's 1 MiB.
UPLOAD_BODY_MAX = MAX_BYTES + 64 * 1024
STAFF = {Role.OFFICE.value, Role.ADMIN.value}

NO_FILE = N_("请先选择要导入的名单文件（.xlsx、.xls 或 .csv）。")
TOO_LARGE = N_("文件太大了：最多 %(mb)s MB。请把名单分成几个文件，或者删掉多余的工作表和图片后再上传。")


def too_large(request: Request, exc: RequestEntityTooLarge) -> Response:
    """An upload over the limit: the upload page again with the reason, not a bare 413.

    Raised while the CSRF guard reads the form, so before the role guard ran: a caller who may
    not use this page gets the answer they would get for any other refusal.
    """
    user = request.scope.get("user")
    if user is None:
        return on_http_exception(request, exc)
    if user.role not in STAFF:
        return on_role_refused(request, exc)
    return screens.import_page(request, 413, error=TOO_LARGE)


class RosterImportPages(Pages):
    path = "/office/roster"
    guards = [role_required(Role.OFFICE, Role.ADMIN)]

    @get("/template.xlsx", name="office_roster_template")
    async def template(self) -> Response:
        """The empty template: the column headers, and a second sheet explaining each column."""
        return screens.download(roster_template(), "居民名册模板.xlsx", "roster-template.xlsx")

    @get("/export.xlsx", name="office_roster_export")
    async def export(self, request: Request) -> Response:
        """The committee's roster in the template's columns (export, edit, import); audited."""
        community = await current_community(request)
        body = await export_roster(community)
        day = today_shanghai().strftime("%Y%m%d")
        filename = f"居民名册-{day}.xlsx"
        await audit.record(
            request, "roster_exported", target_type="community", target_id=community.id, filename=filename,
            size=len(body),
        )
        return screens.download(body, filename, f"roster-{day}.xlsx")

    @get("/import", name="office_roster_import")
    async def import_form(self, request: Request) -> Response:
        """The upload form; after an import, the counts of what it did."""
        params = request.query_params
        return screens.import_page(
            request, notice=screens.NOTICES.get(params.get("done", ""), ""),
            result=screens.result_from_query(params),
        )

    @post(
        "/import", name="office_roster_upload", request_max_body_size=UPLOAD_BODY_MAX,
        exception_handlers={RequestEntityTooLarge: too_large},
    )
    async def upload(self, request: Request) -> Response:
        """Reads the file and shows what importing it would change; writes nothing to the roster.

        A clean file with changes is kept (RosterUpload) for the confirm button; a refused file,
        one with problems or one without changes is not kept.
        """
        form = await request.form()
        mark_missing_moved = form.get("mark_missing_moved") == "1"
        file = form.get("file")
        filename = uploads.clean_filename(file.filename) if isinstance(file, UploadFile) else ""
        if not filename:
            return screens.import_page(request, 400, error=NO_FILE, mark_missing_moved=mark_missing_moved)
        content = await file.read()
        community = await current_community(request)
        try:
            preview = await preview_roster(community, content, filename, mark_missing_moved=mark_missing_moved)
        except RosterFileError as refused:
            return screens.import_page(request, 400, refusal=str(refused), mark_missing_moved=mark_missing_moved)
        upload_id = None
        if preview.ok and preview.change_count:
            upload = await uploads.store(current_user(request), filename, content, mark_missing_moved)
            upload_id = upload.id
        status = 200 if preview.ok else 400
        return screens.preview_page(request, preview, upload_id, mark_missing_moved, status)

    @post("/import/{upload_id:int}/confirm", name="office_roster_confirm")
    async def confirm(self, request: Request, upload_id: FromPath[int]) -> Response:
        """Imports the previewed file: all of it in one transaction, one audit event; only once."""
        community = await current_community(request)
        upload = found(await uploads.community_upload(community.id, upload_id))
        if upload.imported_at is not None:
            return Redirect(path_for(request, "office_roster_import", done="already"), status_code=303)
        if uploads.is_expired(upload, now_utc()):
            await upload.delete()
            return Redirect(path_for(request, "office_roster_import", done="expired"), status_code=303)
        try:
            result = await _import_once(request, community, upload)
        except RosterFileError as refused:
            return screens.import_page(request, 400, refusal=str(refused), mark_missing_moved=upload.mark_missing_moved)
        except _NothingImported as nothing:
            # The roster changed since the preview and the file now has problems: nothing written.
            return screens.preview_page(
                request, nothing.preview, None, upload.mark_missing_moved, 400, confirm_refused=True
            )
        if result is None:
            return Redirect(path_for(request, "office_roster_import", done="already"), status_code=303)
        return Redirect(path_for(request, "office_roster_import") + "?" + screens.result_query(result), status_code=303)


class _NothingImported(Exception):
    def __init__(self, preview: RosterPreview) -> None:
        super().__init__("nothing imported")
        self.preview = preview


async def _import_once(request: Request, community: Community, upload: RosterUpload) -> RosterPreview | None:
    """The import and the upload's "imported" mark commit together or not at all: a second click
    or tab waits for the first and then finds it imported (None); a failed import leaves the
    upload as it was, to be confirmed again."""
    async with in_transaction():
        if not await uploads.claim(upload):
            return None
        result = await import_roster(
            community, upload.content, upload.filename, mark_missing_moved=upload.mark_missing_moved,
            actor=current_user(request),
        )
        if not result.imported and not result.ok:
            raise _NothingImported(result)  # rolls the claim back
        await uploads.forget_content(upload)
    return result
