"""A real PostgreSQL server process on a TCP port of our choosing, which can be stopped and started again.

Binaries come from the system (``/usr/lib/postgresql/*/bin``) when present, else from the ``pgserver`` wheel.
PostgreSQL refuses to run as root, so as root the server runs as the ``postgres`` user when it exists, or as
a user the ``pgserver`` package creates.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import subprocess
import time
from pathlib import Path

from .ports import answers, free_port


def postgres_bin_dir() -> Path:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if found:
        return Path(found[-1]).parent
    try:
        from pgserver._commands import POSTGRES_BIN_PATH
    except ImportError as exc:  # pragma: no cover
        raise RuntimeError("no PostgreSQL binaries and the 'embedded' extra (pgserver) is not installed") from exc
    return Path(POSTGRES_BIN_PATH)


def _run_as() -> pwd.struct_passwd | None:
    if os.geteuid() != 0:
        return None
    for name in ("postgres", "pgserver"):
        try:
            return pwd.getpwnam(name)
        except KeyError:
            continue
    from pgserver.utils import ensure_user_exists

    ensure_user_exists("pgserver")
    return pwd.getpwnam("pgserver")


class PostgresServer:
    def __init__(self, data_dir: Path, port: int | None = None, host: str = "127.0.0.1",
                 bin_dir: Path | None = None) -> None:
        self.data_dir = Path(data_dir).absolute()
        self.host = host
        self.port = port or free_port(host)
        self.bin = bin_dir or postgres_bin_dir()
        self.user = _run_as()

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://postgres@{self.host}:{self.port}/{database}"

    def _cmd(self, *args: str, check: bool = True, timeout: float = 60) -> subprocess.CompletedProcess[bytes]:
        kwargs: dict[str, object] = {}
        if self.user is not None:
            kwargs = {"user": self.user.pw_uid, "group": self.user.pw_gid}
        done = subprocess.run(list(args), check=False, capture_output=True, timeout=timeout,
                              cwd="/", **kwargs)  # type: ignore[call-overload]
        if check and done.returncode != 0:
            log = self.data_dir / "pg.log"
            tail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
            raise RuntimeError(f"{Path(args[0]).name} failed ({done.returncode}): "
                               f"{done.stderr.decode(errors='replace')[-2000:]}\n{tail}")
        return done

    def init(self) -> None:
        pgdata = self.data_dir / "pgdata"
        if (pgdata / "PG_VERSION").exists():
            return
        self.data_dir.mkdir(parents=True, exist_ok=True)
        for path in (self.data_dir, pgdata):
            path.mkdir(exist_ok=True)
            if self.user is not None:
                shutil.chown(path, self.user.pw_uid, self.user.pw_gid)
        if self.user is not None:
            _open_parents(self.data_dir)
        self._cmd(str(self.bin / "initdb"), "-D", str(pgdata), "-U", "postgres", "--auth=trust",
                  "--encoding=UTF8", "--no-sync")

    def start(self, timeout: float = 30) -> PostgresServer:
        self.init()
        pgdata = self.data_dir / "pgdata"
        opts = f"-p {self.port} -h {self.host} -k {self.data_dir} -c fsync=off -c max_connections=300"
        self._cmd(str(self.bin / "pg_ctl"), "-D", str(pgdata), "-o", opts, "-l", str(self.data_dir / "pg.log"),
                  "-w", "-t", str(int(timeout)), "start")
        deadline = time.monotonic() + timeout
        while not answers(self.host, self.port):
            if time.monotonic() > deadline:
                raise TimeoutError("postgres did not start")
            time.sleep(0.05)
        return self

    def stop(self, mode: str = "fast") -> None:
        self._cmd(str(self.bin / "pg_ctl"), "-D", str(self.data_dir / "pgdata"), "-m", mode, "-w", "stop",
                  check=False)

    def running(self) -> bool:
        return answers(self.host, self.port)


def _open_parents(path: Path) -> None:
    """Let the unprivileged server user traverse down to its data folder."""
    for parent in list(path.absolute().parents)[:-1]:
        try:
            mode = parent.stat().st_mode
            if not mode & 0o001:
                parent.chmod(mode | 0o001)
        except OSError:
            pass
