"""Running it: serving, metrics, closing months, backups and restores."""

from __future__ import annotations

import argparse
import asyncio
from pathlib import Path

from server.cli.common import (
    REFUSED,
    describe,
    refuse,
    run_migrate,
    with_db,
)
from server.cli.setup import load_demo_committee
from server.settings import Settings, SettingsError


async def close_months(settings: Settings) -> int:
    """Closes last month's pack for every committee (a cron line on the 1st); a month already
    closed stays as it was. Viewing a month that is over closes it too."""
    from server.core.dates import Month, today_shanghai
    from server.models import Community
    from server.monthly_pack.closing import close_month

    async def run() -> int:
        today = today_shanghai()
        month = Month(today.year, today.month).previous()
        for community in await Community.all().order_by("id"):
            _, closed_now = await close_month(community, month)
            state = "已封存 / closed" if closed_now else "早已封存 / already closed"
            print(f"{community.name} {month.key}: {state}", flush=True)
        return 0

    return await with_db(settings, run)


def backup(settings: Settings, args: argparse.Namespace) -> int:
    from server.backup import BackupError, make_backup

    try:
        written = make_backup(settings, Path(args.dir), keep=args.keep)
    except (BackupError, OSError) as exc:
        return refuse(f"备份失败，没有写入备份文件 / backup failed, no backup written: {exc}")
    size = written.path.stat().st_size / 1024 / 1024
    print(f"已备份 / backup written: {written.path} ({size:.1f} MB)", flush=True)
    for old in written.removed:
        print(f"已删除旧备份 / removed old backup: {old}", flush=True)
    return 0


def restore(settings: Settings, args: argparse.Namespace) -> int:
    from server.backup import BackupError, restore_backup

    try:
        restore_backup(settings, Path(args.file), overwrite=args.force)
    except (BackupError, OSError) as exc:
        return refuse(f"没有恢复 / not restored: {exc}")
    print(f"已恢复到 / restored into {describe(settings)}；启动 louzu serve 即可"
          "（较早的备份会在启动时自动迁移）/ start `louzu serve` (an older backup is migrated at start)", flush=True)
    return 0


async def refuse_demo_data() -> int:
    """domain.md: a server started without --demo has no demo accounts (their password is public)."""
    from server.demo import demo_present

    if await demo_present():
        # Never suggest --demo here: this store may hold a real committee beside the demo.
        return refuse(
            "数据库里有演示居委会，演示账号的密码是公开的，不能正式运行。请换用一个新的数据库"
            "（DATABASE_URL 或 DATA_DIR）；只想试用演示请用 make run。"
            " / The database holds the demo committee, whose passwords are public: use a fresh"
            " database (DATABASE_URL or DATA_DIR); to try the demo, use `make run`."
        )
    return 0


def serve(settings: Settings) -> int:
    import uvicorn

    try:
        settings.check_secret()
    except SettingsError as exc:
        return refuse(exc)
    if run_migrate(settings) != 0:
        return REFUSED
    if settings.demo and asyncio.run(load_demo_committee(settings)) != 0:
        return REFUSED
    if not settings.demo and asyncio.run(with_db(settings, refuse_demo_data)) != 0:
        return REFUSED
    from server.app import create_app
    from server.edge.request_log import configure_logging
    from server.metrics import exporter

    configure_logging()
    if exporter.serve_in_process(settings):
        print(f"指标 / metrics on http://{settings.metrics_host}:{settings.metrics_port}/metrics", flush=True)
    print(f"楼组通已启动 / serving on http://{settings.host}:{settings.port}", flush=True)
    # proxy_headers stay off: server/edge/forwarded.py believes X-Forwarded-* from
    # LOUZU_TRUSTED_PROXIES only, the same under any server. uvicorn's access log is replaced
    # by the app's own JSON line per request (server/edge/request_log.py).
    uvicorn.run(create_app(settings), host=settings.host, port=settings.port, log_level="warning",
                proxy_headers=False, access_log=False)
    return 0


def metrics(settings: Settings) -> int:
    from server.metrics import exporter

    if not settings.metrics_dir or not settings.metrics_port:
        return refuse(
            "louzu metrics 汇总多个进程的指标：请设置 PROMETHEUS_MULTIPROC_DIR（与各服务进程相同）和"
            " LOUZU_METRICS_PORT。/ `louzu metrics` adds up the app processes' metrics: set"
            " PROMETHEUS_MULTIPROC_DIR (the same as theirs) and LOUZU_METRICS_PORT."
        )
    print(f"指标 / metrics on http://{settings.metrics_host}:{settings.metrics_port}/metrics", flush=True)
    exporter.serve_forever(settings)
    return 0
