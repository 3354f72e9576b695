"""The sandbox a kernel runs in: bubblewrap mounts by allow-list, plus whole-submission limits.

Only *kernels* run inside the sandbox. The notebook client (nbclient, driven by nbgrader's
``Execute`` preprocessor) stays in the grading process and talks to each kernel over ZeroMQ ``ipc``
sockets (Unix-domain socket files) in a private folder bound into that kernel's sandbox; TCP would
not cross the sandbox's private network namespace.

What a sandboxed kernel sees (the file system is built by **allow-list**; nothing else exists):

- read-only: the system's ``/usr`` (and the ``/bin``, ``/lib*``, ``/sbin`` links into it), the few
  files of ``/etc`` that the dynamic linker and Python need (:data:`ETC_ALLOW`), the Python
  interpreter's prefix, the virtual environment, the ``mlhc_course`` package and its canonical
  data folder;
- empty, read-only, in-memory folders over ``/tmp``, ``/var``, ``/run`` and the grading machine's
  real temporary folder (``tempfile.gettempdir()``, which honours ``TMPDIR``);
- one writable in-memory folder, :data:`SANDBOX_HOME`, of a fixed size (the submission's whole disk
  budget): the kernel's home, its ``TMPDIR`` and its working folder :data:`SANDBOX_WORKDIR`, into
  which the instructor's allow-listed data files are bound read-only;
- its own ``ipc`` folder (the connection file and sockets of *this* kernel only);
- no network (a private, empty network namespace, which also hides abstract Unix sockets), no other
  processes (a private PID namespace), a cleared environment, and no capabilities.

Whole-submission limits (see :class:`SandboxPolicy` and the instructor guide for each platform):

- **processes**: as root, the kernel runs under its own unprivileged user id (``setpriv``) with
  ``RLIMIT_NPROC``, which then binds (it does not bind root); as an ordinary user, bubblewrap puts the
  kernel in a new user namespace, where ``RLIMIT_NPROC`` counts only that namespace's processes.
  Where a ``pids`` cgroup can be created, ``pids.max`` is set as well;
- **CPU seconds**: ``RLIMIT_CPU`` per process, and where a cgroup v2 can be created the whole
  submission's CPU time (``cpu.stat``) is checked after every cell and the kernel killed past the
  budget;
- **bytes written**: everything writable is the fixed-size :data:`SANDBOX_HOME`, plus the per-file
  ``RLIMIT_FSIZE``; **memory**: ``RLIMIT_AS`` per process.

Grading fails closed: :func:`check_sandbox` runs the exact command line used for grading (bubblewrap
with every mount and limit, the interpreter in isolated mode) and :func:`.autograde` refuses to run
without it unless the instructor explicitly passes ``sandbox=False`` (``--no-sandbox``).
"""

from __future__ import annotations

import functools
import glob
import logging
import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path

from jupyter_client.manager import AsyncKernelManager

log = logging.getLogger("mlhc_course.grading")

#: Default address-space limit of a kernel process (2 GiB).
DEFAULT_MEMORY_LIMIT = 2 * 1024**3
#: Default limit on the size of any one file a kernel writes (256 MiB).
DEFAULT_FILE_SIZE_LIMIT = 256 * 1024**2
#: Default total bytes a submission's kernel can write (the size of its only writable folder).
DEFAULT_DISK_LIMIT = 512 * 1024**2
#: Default limit on the processes (and threads) of one kernel's sandbox.
DEFAULT_PROCESS_LIMIT = 64
#: Default CPU budget of one kernel, in CPU seconds (all its processes together where cgroups exist).
DEFAULT_CPU_LIMIT = 600
#: Backwards-compatible name of the disk budget.
DEFAULT_TMP_SIZE = DEFAULT_DISK_LIMIT

#: The oldest bubblewrap with every option the sandbox uses (``--size``, ``--perms``,
#: ``--clearenv``, ``--remount-ro``); the probe of the real command line is what decides.
MIN_BWRAP_VERSION = (0, 5, 0)

#: Inside the sandbox: the kernel's only writable folder (its home), and its working folder.
SANDBOX_HOME = "/home/student"
SANDBOX_WORKDIR = SANDBOX_HOME + "/work"

#: The parts of /etc a kernel gets (read-only): the dynamic linker, time zone and user names.
ETC_ALLOW = (
    "/etc/ld.so.cache",
    "/etc/ld.so.conf",
    "/etc/ld.so.conf.d",
    "/etc/localtime",
    "/etc/timezone",
    "/etc/alternatives",
    "/etc/passwd",
    "/etc/group",
    "/etc/nsswitch.conf",
    "/etc/mime.types",
)
_SYSTEM_DIRS = ("/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32")

SANDBOX_MISSING_MESSAGE = (
    "bubblewrap (bwrap) cannot run the grading sandbox here: {why}\n"
    "Student code would run with your rights (it could read the gradebook, hidden tests and other\n"
    "students' work). Install bubblewrap >= {version} (sudo apt-get install bubblewrap, or\n"
    "scripts/install_system_deps.sh), or pass --no-sandbox (sandbox=False) to grade WITHOUT isolation."
)
SANDBOX_MISSING_WARNING = (
    "\n" + "!" * 78 + "\n"
    "!! WARNING: grading WITHOUT a sandbox (--no-sandbox): student code runs with the grader's\n"
    "!! rights, limited only in memory, file size, processes, CPU and time.\n" + "!" * 78
)


class SandboxUnavailable(RuntimeError):
    """Raised when grading would need the sandbox but it cannot run here."""


def bwrap_version(exe: str | None = None) -> tuple[int, ...] | None:
    """The installed bubblewrap's version as a tuple, or None if it is missing or unreadable.

    Examples
    --------
    >>> v = bwrap_version()
    >>> v is None or len(v) >= 2
    True
    """
    exe = exe or shutil.which("bwrap")
    if exe is None:
        return None
    try:
        out = subprocess.run([exe, "--version"], capture_output=True, text=True, timeout=30).stdout
    except (OSError, subprocess.TimeoutExpired):
        return None
    match = re.search(r"(\d+)\.(\d+)(?:\.(\d+))?", out)
    return tuple(int(g) for g in match.groups(default="0")) if match else None


def _running_as_root() -> bool:
    return hasattr(os, "geteuid") and os.geteuid() == 0


@dataclass
class SandboxPolicy:
    """What a kernel may see and use.

    Parameters
    ----------
    hidden : list of path-like
        Folders that must never be visible. Mounting is by allow-list, so they are absent anyway;
        a hidden folder that lies inside an exposed one is covered by an empty read-only folder.
    exposed : list of path-like
        Folders shown read-only (the Python environment, the ``mlhc_course`` package and its data).
    memory_limit : int, default=2 GiB
        Address-space limit of each kernel process, in bytes (``RLIMIT_AS``).
    file_size_limit : int, default=256 MiB
        Largest file a kernel may write, in bytes (``RLIMIT_FSIZE``).
    use_bwrap : bool or None, default=None
        ``None`` or ``True``: run in bubblewrap (grading refuses if it cannot); ``False``: limits only.
    tmp_size : int, default=512 MiB
        Total bytes the kernel can write: the size of its only writable folder (``disk_limit``).
    process_limit : int, default=64
        Processes and threads of one kernel's sandbox.
    cpu_limit : int, default=600
        CPU seconds of one kernel: per process (``RLIMIT_CPU``) and, where a cgroup can be created,
        for all its processes together.
    """

    hidden: list = field(default_factory=list)
    exposed: list = field(default_factory=list)
    memory_limit: int = DEFAULT_MEMORY_LIMIT
    file_size_limit: int = DEFAULT_FILE_SIZE_LIMIT
    use_bwrap: bool | None = None
    tmp_size: int = DEFAULT_DISK_LIMIT
    process_limit: int = DEFAULT_PROCESS_LIMIT
    cpu_limit: int = DEFAULT_CPU_LIMIT

    @property
    def sandboxed(self) -> bool:
        """Whether kernels will run inside bubblewrap (it must then work: see :func:`check_sandbox`)."""
        return self.use_bwrap is not False

    @classmethod
    def for_course(cls, course, **kwargs) -> SandboxPolicy:
        """The default policy for a course: expose the Python environment, hide the course."""
        hidden = {Path(course.root)}
        for step in ("source", "release", "submitted", "autograded", "feedback", "solution"):
            hidden.add(course.directory(step))
        if course.db_url.startswith("sqlite:///"):
            hidden.add(Path(course.db_url[len("sqlite:///") :]).parent)
        return cls.hiding(sorted(hidden), **kwargs)

    @classmethod
    def hiding(cls, folders, **kwargs) -> SandboxPolicy:
        """A policy that exposes only the Python environment and ``mlhc_course``, hiding ``folders``."""
        import mlhc_course

        package_dir = Path(mlhc_course.__file__).resolve().parent
        exposed = {Path(sys.prefix), Path(sys.base_prefix), package_dir}
        exposed.add(Path(os.path.realpath(sys.executable)).parent)
        # An editable install reads the canonical CSVs from the repository's datasets/ folder.
        if (package_dir.parent / "datasets").is_dir():
            exposed.add(package_dir.parent / "datasets")
        hidden = {Path(f) for f in folders}
        home = os.path.expanduser("~")
        if home not in ("/", ""):
            hidden.add(Path(home))
        return cls(hidden=sorted(hidden), exposed=sorted(exposed), **kwargs)

    # -- the bubblewrap command line -------------------------------------------------------------
    def _system_mounts(self) -> list[str]:
        args: list[str] = []
        for d in _SYSTEM_DIRS:
            if os.path.islink(d):
                args += ["--symlink", os.readlink(d), d]
            elif os.path.isdir(d):
                args += ["--ro-bind", d, d]
        for p in ETC_ALLOW:
            if os.path.exists(p):
                args += ["--ro-bind", p, p]
        return args

    def _exposed_mounts(self) -> list[str]:
        args: list[str] = []
        paths = sorted({Path(os.path.realpath(p)) for p in self.exposed if os.path.exists(p)})
        for p in paths:
            if p == Path("/"):
                raise ValueError("The sandbox cannot expose '/': mounts are by allow-list.")
            args += ["--ro-bind", str(p), str(p)]
        for h in sorted({Path(os.path.realpath(h)) for h in self.hidden}, key=lambda q: len(q.parts)):
            if h.exists() and any(_is_within(h, p) for p in paths):
                args += ["--perms", "0755", "--size", str(1024**2), "--tmpfs", str(h), "--remount-ro", str(h)]
        return args

    def _empty_mounts(self) -> tuple[list[str], list[str]]:
        """Empty in-memory folders over /tmp, /var, /run and the real temp folder (and the list to
        make read-only once the binds inside them exist)."""
        empty = ["/tmp", "/var", "/run", os.path.realpath(tempfile.gettempdir())]
        args, read_only = [], []
        for p in sorted(set(empty), key=lambda q: len(Path(q).parts)):
            args += ["--perms", "0755", "--size", str(1024**2), "--tmpfs", p]
            read_only += ["--remount-ro", p]
        return args, read_only

    def wrap(
        self,
        cmd: list[str],
        *,
        workdir: str | None = None,
        binds: list[str],
        env: dict[str, str],
        files: dict[str, str] | None = None,
        uid: int | None = None,
    ) -> list[str]:
        """The command line that runs ``cmd`` under this policy.

        ``binds`` are host folders bound read-write at the same path (the kernel's ipc folder);
        ``files`` maps names in the working folder to host files bound read-only; ``uid`` is the
        unprivileged user the command runs as when the grader is root. ``workdir`` is only used
        without bubblewrap (inside it, the working folder is :data:`SANDBOX_WORKDIR`).
        """
        limited = self.limit_prefix(uid=uid, sandboxed=self.sandboxed) + list(cmd)
        if not self.sandboxed:
            return limited
        bwrap = shutil.which("bwrap") or "bwrap"
        args = [bwrap, "--die-with-parent", "--new-session"]
        empty, read_only = self._empty_mounts()
        binds_ro = self._system_mounts() + self._exposed_mounts()
        # the empty folders first: parents made before them would be hidden under /tmp's tmpfs, and
        # bubblewrap would remake them with mode 0700 (a venv or course under /tmp, as in a CI clone)
        args += empty + _ancestor_dirs(binds_ro) + binds_ro
        args += ["--proc", "/proc", "--dev", "/dev"]
        args += ["--perms", "0777", "--size", str(int(self.tmp_size)), "--tmpfs", SANDBOX_HOME]
        mpl = SANDBOX_HOME + "/.config/matplotlib"
        for sub in (SANDBOX_WORKDIR, SANDBOX_HOME + "/tmp", SANDBOX_HOME + "/.config", mpl):
            args += ["--perms", "0777", "--dir", sub]
        for cached in _font_cache():
            args += ["--ro-bind", cached, f"{mpl}/{os.path.basename(cached)}"]
        for b in binds:
            args += ["--bind", b, b]
        for name, host in sorted((files or {}).items()):
            args += ["--ro-bind", host, f"{SANDBOX_WORKDIR}/{name}"]
        args += read_only
        args += ["--clearenv"]
        for key, value in env.items():
            args += ["--setenv", key, value]
        args += ["--chdir", SANDBOX_WORKDIR]
        args += ["--unshare-pid", "--unshare-net", "--unshare-ipc", "--unshare-uts", "--unshare-cgroup-try"]
        if uid is not None:
            # root: keep only what setpriv needs to become the unprivileged user (and then loses)
            args += ["--cap-drop", "ALL", "--cap-add", "CAP_SETUID", "--cap-add", "CAP_SETGID"]
        else:
            args += ["--cap-drop", "ALL"]
        return args + ["--"] + limited

    def limit_prefix(self, *, uid: int | None, sandboxed: bool = True) -> list[str]:
        """``prlimit`` (and, for root, ``setpriv``) in front of the kernel command."""
        prefix = _limit_cmd(
            self.memory_limit,
            self.file_size_limit,
            cpu=self.cpu_limit,
            # RLIMIT_NPROC counts every process of the user: only set it where it counts the
            # sandbox alone (its own uid, or its own user namespace).
            nproc=self.process_limit if (uid is not None or (sandboxed and not _running_as_root())) else None,
        )
        if uid is not None:
            setpriv = shutil.which("setpriv") or "/usr/bin/setpriv"
            prefix += [setpriv, f"--reuid={uid}", f"--regid={uid}", "--clear-groups", "--no-new-privs", "--"]
        return prefix


def _ancestor_dirs(mount_args: list[str]) -> list[str]:
    """``--dir`` (mode 0755) for every parent of the bind destinations: bubblewrap would create
    them with mode 0700, which an unprivileged kernel could not traverse."""
    parents: set[str] = set()
    for i, arg in enumerate(mount_args):
        if arg in ("--ro-bind", "--bind", "--tmpfs", "--symlink") and i + 2 < len(mount_args) + 1:
            dest = mount_args[i + 1] if arg == "--tmpfs" else mount_args[i + 2]
            parents.update(str(p) for p in Path(dest).parents if str(p) != "/")
    out: list[str] = []
    for p in sorted(parents, key=lambda q: len(Path(q).parts)):
        out += ["--perms", "0755", "--dir", p]
    return out


def _is_within(path: Path, parent: Path) -> bool:
    try:
        path.relative_to(parent)
    except ValueError:
        return False
    return True


def _limit_cmd(
    memory_limit: int, file_size_limit: int, *, cpu: int | None = None, nproc: int | None = None
) -> list[str]:
    limits = {"as": int(memory_limit), "fsize": int(file_size_limit), "core": 0, "nofile": 1024}
    if cpu is not None:
        limits["cpu"] = int(cpu)
    if nproc is not None:
        limits["nproc"] = int(nproc)
    prlimit = shutil.which("prlimit")
    if prlimit:
        return [prlimit, *(f"--{k}={v}" for k, v in limits.items()), "--"]
    shim = (
        "import os, resource, sys;"
        "[resource.setrlimit(getattr(resource, 'RLIMIT_' + k.upper()), (int(v),) * 2)"
        " for k, v in (a.split('=') for a in sys.argv[1].split(','))];"
        "os.execvp(sys.argv[2], sys.argv[2:])"
    )
    spec = ",".join(f"{k}={v}" for k, v in limits.items())
    return [sys.executable, "-I", "-S", "-c", shim, spec]


def kernel_env(home: str = SANDBOX_HOME) -> dict[str, str]:
    """The (cleared) environment of a sandboxed kernel."""
    env = {
        "PATH": os.pathsep.join(
            [os.path.dirname(os.path.abspath(sys.executable)), "/usr/local/bin", "/usr/bin", "/bin"]
        ),
        "HOME": home,
        "USER": "student",
        "LOGNAME": "student",
        "TMPDIR": os.path.join(home, "tmp"),
        "IPYTHONDIR": os.path.join(home, ".ipython"),
        "MPLCONFIGDIR": os.path.join(home, ".config", "matplotlib"),
        "MPLBACKEND": "Agg",
        "LANG": "C.UTF-8",
        "LC_ALL": "C.UTF-8",
        "PYTHONIOENCODING": "utf-8",
        "NBGRADER_EXECUTION": "autograde",
        # ipykernel exits when its parent pid disappears; inside a PID namespace the parent is
        # bwrap's init (pid 1), which never goes away: pid 1 switches the poller off.
        "JPY_PARENT_PID": "1",
        # One BLAS thread per kernel: kernels already run in parallel, one per job.
        "OPENBLAS_NUM_THREADS": "1",
        "OMP_NUM_THREADS": "1",
        "MKL_NUM_THREADS": "1",
        # No worker processes either: the sandbox's /dev/shm is not writable by the kernel's uid, and
        # joblib (scikit-learn's n_jobs) would warn "Permission denied. joblib will operate in serial
        # mode" into the student's feedback. Serial is what it would do anyway; say so up front.
        "JOBLIB_MULTIPROCESSING": "0",
    }
    if "VIRTUAL_ENV" in os.environ:
        env["VIRTUAL_ENV"] = os.environ["VIRTUAL_ENV"]
    return env


def _host_matplotlib_cache() -> str:
    if os.environ.get("MPLCONFIGDIR"):
        return os.environ["MPLCONFIGDIR"]
    cache = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(cache, "matplotlib")


def _font_cache() -> list[str]:
    """The host's matplotlib font cache: without it, the first plot in every kernel rebuilds it, and
    if that takes over 5 s matplotlib warns on stderr -- which nbgrader scores as a failed test."""
    return sorted(glob.glob(os.path.join(_host_matplotlib_cache(), "fontlist-*.json")))


# -- fail closed: probe the exact command ----------------------------------------------------------
def _probe_command(policy: SandboxPolicy, ipc_dir: str) -> list[str]:
    code = (
        "import os, sys, tempfile; "
        "open(os.path.join(tempfile.gettempdir(), 'probe'), 'w').write('ok'); "
        "print('mlhc-sandbox-ok', sys.flags.isolated, os.getcwd())"
    )
    uid = sandbox_uid()
    if uid is not None:
        os.chown(ipc_dir, uid, uid)
    return policy.wrap(
        [sys.executable, "-I", "-c", code],
        binds=[ipc_dir],
        env=kernel_env(),
        files={},
        uid=uid,
    )


@functools.lru_cache(maxsize=8)
def _probe(signature: tuple) -> str | None:
    policy = SandboxPolicy(**{k: v for k, v in signature if not k.startswith("_")})
    exe = shutil.which("bwrap")
    if exe is None:
        return "bwrap is not installed"
    version = bwrap_version(exe)
    if version is not None and version < MIN_BWRAP_VERSION:
        have = ".".join(map(str, version))
        return f"bubblewrap {have} is too old (the sandbox needs {'.'.join(map(str, MIN_BWRAP_VERSION))} or newer)"
    ipc_dir = tempfile.mkdtemp(prefix="mlhc-probe-")
    try:
        cmd = _probe_command(policy, ipc_dir)
        result = subprocess.run(cmd, capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"the sandbox command could not run ({type(exc).__name__}: {exc})"
    finally:
        shutil.rmtree(ipc_dir, ignore_errors=True)
    if result.returncode != 0 or "mlhc-sandbox-ok 1 " + SANDBOX_WORKDIR not in result.stdout:
        detail = (result.stderr or result.stdout).strip().splitlines()
        return (
            f"the sandbox command failed (exit {result.returncode}: {detail[-1] if detail else 'no output'})"
        )
    return None


def _signature(policy: SandboxPolicy) -> tuple:
    return (
        ("exposed", tuple(str(p) for p in policy.exposed)),
        ("hidden", tuple(str(p) for p in policy.hidden)),
        ("memory_limit", policy.memory_limit),
        ("file_size_limit", policy.file_size_limit),
        ("tmp_size", policy.tmp_size),
        ("process_limit", policy.process_limit),
        ("cpu_limit", policy.cpu_limit),
        ("use_bwrap", True),
        ("_exe", shutil.which("bwrap")),
    )


def check_sandbox(policy: SandboxPolicy | None = None) -> str | None:
    """Run the exact sandbox command used for grading; return None if it works, else why not.

    Parameters
    ----------
    policy : SandboxPolicy, default=None
        The policy to probe; ``None`` probes the default policy (the Python environment exposed).

    Returns
    -------
    str or None
        ``None`` when bubblewrap runs the interpreter with every mount and limit of ``policy``;
        otherwise a sentence saying what failed.

    Examples
    --------
    >>> why = check_sandbox()
    >>> why is None or isinstance(why, str)
    True
    """
    policy = SandboxPolicy.hiding([]) if policy is None else policy
    return _probe(_signature(policy))


def bwrap_works() -> bool:
    """Whether the grading sandbox works here (:func:`check_sandbox` of the default policy).

    Returns
    -------
    works : bool
        True if bubblewrap runs the interpreter with the sandbox's full command line. When False,
        :func:`.autograde` refuses to grade unless called with ``sandbox=False``.

    Examples
    --------
    >>> isinstance(bwrap_works(), bool)
    True
    """
    return check_sandbox() is None


def require_sandbox(policy: SandboxPolicy) -> bool:
    """Fail closed: raise :class:`SandboxUnavailable` if ``policy`` wants bubblewrap and it cannot run.

    Returns whether kernels will be sandboxed (False only when ``use_bwrap=False``; then a loud
    warning is logged and emitted).
    """
    if not policy.sandboxed:
        log.warning(SANDBOX_MISSING_WARNING)
        warnings.warn("grading without a sandbox (sandbox=False)", RuntimeWarning, stacklevel=3)
        return False
    why = check_sandbox(policy)
    if why is not None:
        raise SandboxUnavailable(
            SANDBOX_MISSING_MESSAGE.format(why=why, version=".".join(map(str, MIN_BWRAP_VERSION)))
        )
    return True


def warn_if_unsandboxed(policy: SandboxPolicy) -> bool:
    """Backwards-compatible name of :func:`require_sandbox`."""
    return require_sandbox(policy)


# -- user ids and cgroups --------------------------------------------------------------------------
def sandbox_uid() -> int | None:
    """A fresh unprivileged user id for one kernel when the grader is root (else None).

    ``RLIMIT_NPROC`` does not bind root; under its own uid each kernel gets its own process count.
    """
    if not _running_as_root() or not shutil.which("setpriv"):
        return None
    return 200_000 + secrets.randbelow(1_000_000_000)


class Cgroup:
    """A per-kernel cgroup where this machine lets us create one (else every method is a no-op).

    Uses a cgroup v2 folder (``cpu.stat`` for the CPU budget, ``cgroup.kill``) and the ``pids``
    controller (v2, or v1 at ``/sys/fs/cgroup/pids``) for ``pids.max``.
    """

    def __init__(self, process_limit: int):
        self.dirs: list[str] = []
        self.cpu_stat: str | None = None
        self.kill_file: str | None = None
        name = "mlhc-" + secrets.token_hex(6)
        for root in _cgroup_v2_roots():
            path = os.path.join(root, name)
            if _try_mkdir(path):
                self.dirs.append(path)
                self.cpu_stat = os.path.join(path, "cpu.stat")
                self.kill_file = os.path.join(path, "cgroup.kill")
                _try_write(os.path.join(path, "pids.max"), str(process_limit))
                break
        pids_v1 = "/sys/fs/cgroup/pids"
        if os.path.isfile(os.path.join(pids_v1, "pids.max")) or os.path.isdir(pids_v1):
            path = os.path.join(pids_v1, name)
            if _try_mkdir(path) and _try_write(os.path.join(path, "pids.max"), str(process_limit)):
                self.dirs.append(path)

    @classmethod
    def disabled(cls) -> Cgroup:
        """A cgroup that is not there: every method is a no-op."""
        cgroup = cls.__new__(cls)
        cgroup.dirs, cgroup.cpu_stat, cgroup.kill_file = [], None, None
        return cgroup

    def prefix(self) -> list[str]:
        """A shell prefix that moves the command into the cgroups before it runs."""
        if not self.dirs:
            return []
        joins = " && ".join(f'echo $$ > "{d}/cgroup.procs"' for d in self.dirs)
        return ["/bin/sh", "-c", joins + ' && exec "$@"', "mlhc-cgroup"]

    def cpu_seconds(self) -> float | None:
        """CPU time used by every process of the cgroup so far (None without a cgroup v2)."""
        if not self.cpu_stat:
            return None
        try:
            with open(self.cpu_stat) as f:
                for line in f:
                    if line.startswith("usage_usec"):
                        return int(line.split()[1]) / 1e6
        except OSError:
            return None
        return None

    def kill(self) -> None:
        """Kill every process in the cgroup (``cgroup.kill``, else one by one)."""
        if self.kill_file and _try_write(self.kill_file, "1"):
            return
        for d in self.dirs:
            try:
                with open(os.path.join(d, "cgroup.procs")) as f:
                    pids = [int(line) for line in f if line.strip()]
            except OSError:
                continue
            for pid in pids:
                try:
                    os.kill(pid, signal.SIGKILL)
                except OSError:
                    pass

    def remove(self) -> None:
        """Kill what is left and delete the cgroup folders (they empty asynchronously)."""
        if not self.dirs:
            return
        self.kill()
        left = [d for d in self.dirs if not _rmdir_retrying(d, tries=25)]
        if left:  # killed processes can take a while to be reaped under load: finish in the background
            threading.Thread(
                target=lambda: [_rmdir_retrying(d, tries=600) for d in left], daemon=True
            ).start()


def _rmdir_retrying(path: str, *, tries: int) -> bool:
    for _ in range(tries):
        try:
            os.rmdir(path)
            return True
        except FileNotFoundError:
            return True
        except OSError:
            time.sleep(0.1)
    return False


def _cgroup_v2_roots() -> list[str]:
    roots = []
    for root in ("/sys/fs/cgroup", "/sys/fs/cgroup/unified"):
        if os.path.isfile(os.path.join(root, "cgroup.controllers")) and os.access(root, os.W_OK):
            roots.append(root)
    return roots


def _try_mkdir(path: str) -> bool:
    try:
        os.mkdir(path)
    except OSError:
        return False
    return True


def _try_write(path: str, text: str) -> bool:
    try:
        with open(path, "w") as f:
            f.write(text)
    except OSError:
        return False
    return True


# -- the kernel manager ----------------------------------------------------------------------------
class SandboxedKernelManager(AsyncKernelManager):
    """A kernel manager whose kernel starts in the sandbox, in isolated mode, over ``ipc`` sockets.

    Create it with :meth:`create`; call :meth:`cleanup_dirs` after the kernel has shut down.
    """

    policy: SandboxPolicy
    files: dict[str, str]
    workdir: str
    uid: int | None
    cgroup: Cgroup
    _ipc_dir: str

    @classmethod
    def create(
        cls, policy: SandboxPolicy, files: dict[str, str] | None = None, **kwargs
    ) -> SandboxedKernelManager:
        ipc_dir = tempfile.mkdtemp(prefix="mlhc-k")
        km = cls(
            transport="ipc",
            ip=os.path.join(ipc_dir, "k"),
            connection_file=os.path.join(ipc_dir, "kernel.json"),
            **kwargs,
        )
        km.policy = policy
        km.files = dict(files or {})
        km._ipc_dir = ipc_dir
        km.uid = sandbox_uid() if policy.sandboxed else None
        km.cgroup = Cgroup(policy.process_limit)
        km.workdir = SANDBOX_WORKDIR if policy.sandboxed else _unsandboxed_workdir(ipc_dir, km.files)
        if km.uid is not None:
            os.chown(ipc_dir, km.uid, km.uid)
        return km

    @property
    def ipc_dir(self) -> str:
        return self._ipc_dir

    def format_kernel_cmd(self, extra_arguments: list[str] | None = None) -> list[str]:
        # Interrupts travel as control-channel messages: signals from outside may not reach a
        # kernel in its own session and PID namespace.
        self.kernel_spec.interrupt_mode = "message"
        # Isolated mode (-I): no PYTHON* variables, no user site, and neither the working folder
        # nor the script's folder on sys.path (IPython then does not add the cwd either).
        cmd = [sys.executable, "-I", "-m", "ipykernel_launcher", "-f", self.connection_file]
        cmd += list(extra_arguments or [])
        if not self.policy.sandboxed:
            return self.cgroup.prefix() + self.policy.wrap(cmd, binds=[], env={}, uid=None)
        inner = self.policy.wrap(cmd, binds=[self._ipc_dir], env=kernel_env(), files=self.files, uid=self.uid)
        return self.cgroup.prefix() + inner

    async def _async_pre_start_kernel(self, **kw):
        # Never let the kernel write to the grader's terminal (or pipes): 100 MB printed to the
        # raw file descriptors must go nowhere.
        kw["stdout"] = subprocess.DEVNULL
        kw["stderr"] = subprocess.DEVNULL
        kw["stdin"] = subprocess.DEVNULL
        if not self.policy.sandboxed:
            env = dict(os.environ)
            env.update(kernel_env(os.path.join(self.workdir, ".home")))
            env["TMPDIR"] = os.path.join(self.workdir, ".home", "tmp")
            kw["env"] = env
            kw["cwd"] = self.workdir
        else:
            kw["cwd"] = self._ipc_dir  # bwrap itself starts here; the kernel's cwd is set by --chdir
        result = await super()._async_pre_start_kernel(**kw)
        if self.uid is not None and os.path.exists(self.connection_file):
            os.chown(self.connection_file, self.uid, self.uid)
        return result

    def cleanup_dirs(self) -> None:
        self.cgroup.remove()
        shutil.rmtree(self._ipc_dir, ignore_errors=True)


def _unsandboxed_workdir(ipc_dir: str, files: dict[str, str]) -> str:
    """Without bubblewrap: a scratch working folder with copies of the allow-listed files."""
    workdir = os.path.join(ipc_dir, "work")
    os.makedirs(os.path.join(workdir, ".home", "tmp"), exist_ok=True)
    mpl = os.path.join(workdir, ".home", ".config", "matplotlib")
    os.makedirs(mpl, exist_ok=True)
    for cached in _font_cache():
        shutil.copy(cached, mpl)
    for name, host in files.items():
        shutil.copy(host, os.path.join(workdir, name))
    return workdir
