"""The README's "Go live" section followed step by step, as a new committee's admin would.

From an empty store to a leader signed in from a printed card: migrate, createcommunity,
createuser admin, fill the roster template, import it (dry run first), serve without --demo,
issue a card on the admin page, open it on a "phone". The committee deliberately carries the
demo committee's name: a real committee may, and must not be taken for the demo.
"""

from __future__ import annotations

import re
import secrets
import subprocess
import sys
import time
from pathlib import Path

import httpx
import openpyxl
import pytest

from tests.cli_process import GOOD_PASSWORD, ROOT, free_port, louzu, own_store

COMMUNITY = "天山路第一居民区"  # the demo's name, on purpose
ROWS = [
    # 楼组, 楼组名称, 地址, 室号, 姓名, 性别, 出生年份, 联系电话, 关怀标记, 备注, 楼组长, 楼组长账号
    (16, "天山路680弄16号", "天山路680弄16号", "503", "张桂英", "女", 1938, "13800001111", "高龄、独居", "按门铃两次",
     "王秀英", "wangxy16"),
    (16, "天山路680弄16号", "天山路680弄16号", "503", "李建国", "男", 1944, "", "高龄", "", "王秀英", "wangxy16"),
    (16, "天山路680弄16号", "天山路680弄16号", "201", "赵小明", "男", 1985, "", "", "", "王秀英", "wangxy16"),
    (18, "天山路680弄18号", "天山路680弄18号", "102", "陈阿婆", "女", 1940, "", "高龄 残疾", "", "李国强", "ligq18"),
]


@pytest.fixture(scope="module")
def fresh_store(tmp_path_factory):
    """An empty store of its own, like a new server's."""
    with own_store(tmp_path_factory.mktemp("golive"), "golive") as env:
        env["SECRET_KEY"] = secrets.token_urlsafe(48)
        yield env


def ok(result: subprocess.CompletedProcess) -> str:
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    return result.stdout


def fill_template(template: Path, roster: Path) -> None:
    """What the office does in Excel or WPS: rows under the template's own headers."""
    book = openpyxl.load_workbook(template)
    sheet = book.worksheets[0]
    headers = [cell.value for cell in sheet[1]]
    order = ["楼组", "楼组名称", "地址", "室号", "姓名", "性别", "出生年份", "联系电话", "关怀标记", "备注", "楼组长", "楼组长账号"]
    assert set(order) <= set(headers), headers
    for values in ROWS:
        by_header = dict(zip(order, values))
        sheet.append([by_header.get(h) for h in headers])
    book.save(roster)


def serve(env: dict[str, str]) -> tuple[subprocess.Popen, str]:
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "server.cli", "serve", "--port", str(port)],
        env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        if server.poll() is not None:
            raise AssertionError("serve refused to start: " + server.stdout.read())
        try:
            if httpx.get(f"{url}/login", timeout=1).status_code == 200:
                return server, url
        except httpx.TransportError:
            pass
        assert time.monotonic() < deadline, "the server did not start"
        time.sleep(0.2)


def test_from_an_empty_store_to_a_leader_signed_in_from_a_card(fresh_store, tmp_path):
    env = fresh_store
    ok(louzu(env, "migrate"))
    ok(louzu(env, "createcommunity", COMMUNITY, "--subdistrict", "天山路街道"))
    ok(louzu(env, "createuser", "admin", "--role", "admin", "--community", COMMUNITY, "--password", GOOD_PASSWORD))

    template, roster = tmp_path / "模板.xlsx", tmp_path / "名单.xlsx"
    ok(louzu(env, "roster-template", str(template)))
    fill_template(template, roster)

    dry = louzu(env, "import-roster", str(roster), "--community", COMMUNITY, "--dry-run")
    ok(dry)
    again = louzu(env, "import-roster", str(roster), "--community", COMMUNITY, "--dry-run")
    assert ok(again) == dry.stdout, "a dry run writes nothing: the second preview is the same"
    ok(louzu(env, "import-roster", str(roster), "--community", COMMUNITY))
    assert "0 项变化" in ok(louzu(env, "import-roster", str(roster), "--community", COMMUNITY))
    # A leader of a group the file created, from the command line as well.
    ok(louzu(env, "createuser", "zhou18", "--role", "leader", "--community", COMMUNITY, "--group", "18",
             "--no-password"))

    server, url = serve(env)  # not refused: the demo is known by its marker, not by this name
    try:
        admin = httpx.Client(base_url=url)
        login = admin.post("/api/auth/login", json={"username": "admin", "password": GOOD_PASSWORD})
        assert login.status_code == 200, login.text
        csrf = login.json()["csrf_token"]
        listing = admin.get("/admin/cards")
        assert listing.status_code == 200 and "王秀英" in listing.text and "李国强" in listing.text
        ids = re.findall(r'type="checkbox" name="user" value="(\d+)"', listing.text)
        assert len(ids) == 3, "the two leaders from the file and the one from the command line"
        printed = admin.post("/admin/cards", data={"_csrf": csrf, "user": ids})
        assert printed.status_code == 200, printed.text
        # The link as printed under the QR code: the origin, then the card's path.
        links = re.findall(r"(/c/[0-9a-z]{5}-[0-9a-z]{5}-[0-9a-z]{5})", printed.text)
        assert len(set(links)) == 3, "one card per ticked leader"
        assert f"{url}<wbr>" in printed.text

        for link in sorted(set(links)):
            phone = httpx.Client(base_url=url)
            landing = phone.get(link)
            assert landing.status_code == 200
            if "王秀英" not in landing.text:
                continue
            signed_in = phone.post(link)
            assert signed_in.status_code == 303 and signed_in.headers["location"] == "/"
            home = phone.get("/")
            assert home.status_code == 200
            assert "503" in home.text and "201" in home.text, "the leader's households from the file"
            assert "102" not in home.text, "another group's household is not theirs"
            break
        else:
            raise AssertionError("no card for 王秀英 was printed")
    finally:
        server.terminate()
        server.communicate(timeout=10)
