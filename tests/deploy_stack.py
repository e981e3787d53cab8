"""The deployment of deploy/ on loopback for tests: Debian's nginx running deploy/nginx/louzu.conf
(HTTPS with a throwaway self-signed certificate) in front of `louzu serve` processes.

The client side connects from 127.0.0.2, the proxy talks to the apps from 127.0.0.1 (the one
trusted proxy): so the address the app records tells the client and the proxy apart.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
SITE = ROOT / "deploy" / "nginx" / "louzu.conf"
CLIENT_ADDRESS = "127.0.0.2"


def nginx_binary() -> str:
    found = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
    if found is None:
        raise RuntimeError("Debian's nginx is needed for this test: apt-get install -y nginx (make install-test)")
    return found


def self_signed_certificate(directory: Path) -> tuple[Path, Path]:
    cert, key = directory / "cert.pem", directory / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
         "-keyout", str(key), "-out", str(cert), "-days", "1", "-subj", "/CN=127.0.0.1",
         "-addext", "subjectAltName=IP:127.0.0.1"],
        check=True, capture_output=True,
    )
    return cert, key


def _swap(text: str, old: str, new: str) -> str:
    # The shipped file is what is tested: if a line the test relies on changed, say so.
    if old not in text:
        raise AssertionError(f"deploy/nginx/louzu.conf no longer has {old!r}: update tests/deploy_stack.py")
    return text.replace(old, new)


def render_site(directory: Path, http_port: int, https_port: int, app_ports: list[int], cert: Path, key: Path) -> str:
    text = SITE.read_text()
    upstream = "".join(f"    server 127.0.0.1:{port} max_fails=1 fail_timeout=5s;\n" for port in app_ports)
    text = _swap(text, "    server 127.0.0.1:8001 max_fails=1 fail_timeout=5s;\n"
                       "    server 127.0.0.1:8002 max_fails=1 fail_timeout=5s;\n", upstream)
    text = _swap(text, "    listen 80;\n", f"    listen 127.0.0.1:{http_port};\n")
    text = _swap(text, "    listen 443 ssl http2;\n", f"    listen 127.0.0.1:{https_port} ssl http2;\n")
    text = _swap(text, "    listen [::]:80;\n", "")
    text = _swap(text, "    listen [::]:443 ssl http2;\n", "")
    text = _swap(text, "/etc/ssl/louzu/fullchain.pem", str(cert))
    text = _swap(text, "/etc/ssl/louzu/privkey.pem", str(key))
    return _swap(text, "/var/log/nginx/", f"{directory}/")


def nginx_conf(directory: Path, site: str) -> Path:
    (directory / "louzu.conf").write_text(site)
    temp = "".join(f"    {kind}_temp_path {directory}/{kind};\n" for kind in ("client_body", "proxy", "fastcgi",
                                                                          "uwsgi", "scgi"))
    conf = directory / "nginx.conf"
    conf.write_text(
        ("user root;\n" if os.geteuid() == 0 else "")  # else its workers would be `nobody`
        + f"worker_processes 1;\npid {directory}/nginx.pid;\nerror_log {directory}/error.log info;\n"
        + "events { worker_connections 256; }\n"
        + f"http {{\n{temp}    include {directory}/louzu.conf;\n}}\n"
    )
    return conf


@dataclass
class Stack:
    directory: Path
    processes: dict[str, subprocess.Popen] = field(default_factory=dict)

    def start(self, name: str, args: list[str], env: dict[str, str] | None = None) -> subprocess.Popen:
        out = open(self.directory / f"{name}.log", "wb")
        self.processes[name] = subprocess.Popen(args, env=env, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT)
        return self.processes[name]

    def start_app(self, name: str, port: int, env: dict[str, str]) -> subprocess.Popen:
        return self.start(name, [sys.executable, "-m", "server.cli", "serve", "--host", "127.0.0.1",
                                 "--port", str(port)], env)

    def log(self, name: str) -> str:
        return (self.directory / f"{name}.log").read_text(errors="replace")

    def wait_until_up(self, name: str, url: str, timeout: float = 90) -> None:
        deadline = time.monotonic() + timeout
        process = self.processes[name]
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise AssertionError(f"{name} exited with {process.returncode}:\n{self.log(name)}")
            try:
                if httpx.get(url, timeout=2, verify=False).status_code < 500:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        raise AssertionError(f"{name} did not answer {url} in {timeout} s:\n{self.log(name)}")

    def kill(self, pid: int) -> None:
        os.kill(pid, signal.SIGKILL)
        for process in self.processes.values():
            if process.pid == pid:
                process.wait(timeout=10)

    def stop(self) -> None:
        for process in self.processes.values():
            if process.poll() is None:
                process.terminate()
        for process in self.processes.values():
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
