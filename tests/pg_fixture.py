"""A throw-away PostgreSQL server for the gradebook tests.

``scripts/install_system_deps.sh`` installs Debian's ``postgresql`` package (``make test`` runs it).
The ``postgres_url`` fixture runs ``initdb`` and ``pg_ctl`` from ``/usr/lib/postgresql/*/bin`` in a
temporary data directory, on 127.0.0.1 and a free port, creates a database and yields its
``postgresql+psycopg://`` URL; the server is stopped afterwards. ``initdb`` refuses to run as root,
so as root the server runs as the ``postgres`` user. Under ``CI=true`` a missing server is a test
failure, not a skip.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile

import pytest


def _missing(reason: str):
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"PostgreSQL is required under CI=true: {reason}")
    pytest.skip(f"{reason} (run scripts/install_system_deps.sh as root to install it)")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def postgres_url():
    """URL of an empty database on a private PostgreSQL server (session-scoped)."""
    bindirs = sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: int(p.split("/")[-2]))
    if not bindirs or not os.path.exists(os.path.join(bindirs[-1], "pg_ctl")):
        _missing("PostgreSQL server binaries not found in /usr/lib/postgresql/*/bin")
    bindir = bindirs[-1]
    prefix: list[str] = []
    owner = None
    if os.geteuid() == 0:
        if shutil.which("runuser") is None:
            _missing("runuser is needed to start PostgreSQL as the postgres user")
        import pwd

        try:
            owner = pwd.getpwnam("postgres")
        except KeyError:
            _missing("there is no postgres user")
        prefix = ["runuser", "-u", "postgres", "--"]
    base = tempfile.mkdtemp(prefix="mlhc-pg-")
    os.chmod(base, 0o755)
    data = os.path.join(base, "data")
    if owner is not None:
        os.chown(base, owner.pw_uid, owner.pw_gid)
    port = _free_port()

    def run(*args):
        return subprocess.run(prefix + list(args), check=True, capture_output=True, text=True, timeout=120)

    try:
        run(
            os.path.join(bindir, "initdb"),
            "-D",
            data,
            "-A",
            "trust",
            "-U",
            "postgres",
            "--no-sync",
            "-E",
            "UTF8",
        )
        run(
            os.path.join(bindir, "pg_ctl"),
            "-D",
            data,
            "-l",
            os.path.join(base, "server.log"),
            "-o",
            f"-p {port} -k {base} -c listen_addresses=127.0.0.1 -F",
            "-w",
            "start",
        )
    except subprocess.CalledProcessError as exc:
        shutil.rmtree(base, ignore_errors=True)
        _missing(f"could not start PostgreSQL: {exc.stderr or exc.stdout}")
    try:
        run(
            os.path.join(bindir, "createdb"),
            "-h",
            "127.0.0.1",
            "-p",
            str(port),
            "-U",
            "postgres",
            "gradebook",
        )
        yield f"postgresql+psycopg://postgres@127.0.0.1:{port}/gradebook"
    finally:
        subprocess.run(
            prefix + [os.path.join(bindir, "pg_ctl"), "-D", data, "-m", "immediate", "-w", "stop"],
            capture_output=True,
            timeout=60,
        )
        shutil.rmtree(base, ignore_errors=True)
