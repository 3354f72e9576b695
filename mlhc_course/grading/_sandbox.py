"""The sandbox a student's kernel runs in: bubblewrap namespaces plus ``prlimit`` resource limits.

Only the *kernel* runs inside the sandbox. The notebook client (nbclient, driven by nbgrader's
``Execute`` preprocessor) stays in the grading process and talks to the kernel over ZeroMQ ``ipc``
sockets (Unix-domain socket files) in a folder bound into the sandbox; TCP would not cross the
sandbox's private network namespace. The kernel sees:

- the whole file system read-only, except that the course directory (source notebooks with hidden
  tests, every student's submission, the gradebook), the grader's home and the host's ``/tmp`` are
  replaced by empty in-memory folders;
- read-only copies of what it needs to run: the Python environment and the ``mlhc_course`` package;
- one writable scratch copy of *this* submission's folder, which is its working directory;
- no network (a private, empty network namespace), no other processes (a private PID namespace), no
  capabilities, a cleared environment, and a memory (address-space) and file-size limit.

If ``bwrap`` is missing, kernels run with the resource limits only and a loud warning is logged.
"""

from __future__ import annotations

import functools
import glob
import logging
import os
import shutil
import subprocess
import sys
import tempfile
import warnings
from dataclasses import dataclass, field
from pathlib import Path

from jupyter_client.manager import AsyncKernelManager

log = logging.getLogger("mlhc_course.grading")

#: Default address-space limit of a student kernel (2 GiB).
DEFAULT_MEMORY_LIMIT = 2 * 1024**3
#: Default limit on the size of any file a student kernel writes (256 MiB).
DEFAULT_FILE_SIZE_LIMIT = 256 * 1024**2
#: Default size of the sandbox's in-memory /tmp (512 MiB).
DEFAULT_TMP_SIZE = 512 * 1024**2

SANDBOX_MISSING_WARNING = (
    "\n" + "!" * 78 + "\n"
    "!! WARNING: bubblewrap (bwrap) is not available: student code will run WITHOUT a sandbox.\n"
    "!! It will still have memory, file-size and time limits, but it can read and write anything\n"
    "!! this user can, including the gradebook and other students' submissions.\n"
    "!! Install it with: sudo apt-get install bubblewrap\n" + "!" * 78
)


@functools.lru_cache(maxsize=1)
def bwrap_works() -> bool:
    """Whether ``bwrap`` is installed and can create the namespaces the sandbox uses.

    Returns
    -------
    works : bool
        True if a trial ``bwrap`` run with the sandbox's namespaces succeeds. When False,
        :func:`grade` still runs with resource limits, and warns loudly that student code is not
        isolated.

    Examples
    --------
    >>> isinstance(bwrap_works(), bool)
    True
    """
    exe = shutil.which("bwrap")
    if exe is None:
        return False
    try:
        result = subprocess.run(
            [
                exe,
                "--ro-bind",
                "/",
                "/",
                "--dev",
                "/dev",
                "--proc",
                "/proc",
                "--unshare-pid",
                "--unshare-net",
                "--cap-drop",
                "ALL",
                "--",
                "true",
            ],
            capture_output=True,
            timeout=30,
        )
    except (OSError, subprocess.TimeoutExpired):
        return False
    return result.returncode == 0


@dataclass
class SandboxPolicy:
    """What a student's kernel may see and use.

    Parameters
    ----------
    hidden : list of path-like
        Folders replaced by an empty in-memory folder inside the sandbox (the course root, the
        nbgrader folders, the gradebook's folder, the grader's home). ``/tmp`` is always hidden.
    exposed : list of path-like
        Folders shown read-only even if they lie inside a hidden one (the Python environment and
        the ``mlhc_course`` package).
    memory_limit : int, default=2 GiB
        Address-space limit of the kernel, in bytes (``RLIMIT_AS``): a huge allocation raises
        ``MemoryError`` in the student's cell instead of exhausting the machine.
    file_size_limit : int, default=256 MiB
        Largest file the kernel may write, in bytes (``RLIMIT_FSIZE``).
    use_bwrap : bool or None, default=None
        ``None`` uses bubblewrap when it works here; ``False`` runs with limits only.
    tmp_size : int, default=512 MiB
        Size of the in-memory ``/tmp`` inside the sandbox (the kernel's home and scratch folder).
    """

    hidden: list = field(default_factory=list)
    exposed: list = field(default_factory=list)
    memory_limit: int = DEFAULT_MEMORY_LIMIT
    file_size_limit: int = DEFAULT_FILE_SIZE_LIMIT
    use_bwrap: bool | None = None
    tmp_size: int = DEFAULT_TMP_SIZE

    @property
    def sandboxed(self) -> bool:
        """Whether kernels will actually run inside bubblewrap."""
        return bwrap_works() if self.use_bwrap is None else bool(self.use_bwrap and bwrap_works())

    @classmethod
    def for_course(cls, course, **kwargs) -> SandboxPolicy:
        """The default policy for a course: hide the course and the grader's home, expose the venv."""
        hidden = {Path(course.root)}
        for step in ("source", "release", "submitted", "autograded", "feedback", "solution"):
            hidden.add(course.directory(step))
        if course.db_url.startswith("sqlite:///"):
            hidden.add(Path(course.db_url[len("sqlite:///") :]).parent)
        return cls.hiding(sorted(hidden), **kwargs)

    @classmethod
    def hiding(cls, folders, **kwargs) -> SandboxPolicy:
        """A policy that hides ``folders`` and the grader's home, and exposes the Python environment."""
        hidden = {Path(f) for f in folders}
        home = os.path.expanduser("~")
        if home not in ("/", ""):
            hidden.add(Path(home))
        import mlhc_course

        package_dir = Path(mlhc_course.__file__).resolve().parent
        exposed = {Path(sys.prefix), Path(sys.base_prefix), package_dir}
        exposed.add(Path(os.path.realpath(sys.executable)).parent)
        # An editable install reads the canonical CSVs from the repository's datasets/ folder.
        if (package_dir.parent / "datasets").is_dir():
            exposed.add(package_dir.parent / "datasets")
        return cls(hidden=sorted(hidden), exposed=sorted(exposed), **kwargs)

    def _mounts(self) -> list[str]:
        # Apply hide/expose operations from the outermost path inward, so that an exposed folder
        # inside a hidden one is bound on top of the empty folder (and vice versa).
        ops: dict[Path, str] = {Path("/tmp"): "hide"}
        for p in self.hidden:
            p = Path(os.path.realpath(p))
            if p != Path("/") and p.exists():
                ops[p] = "hide"
        for p in self.exposed:
            p = Path(os.path.realpath(p))
            if p.exists() and any(_is_within(p, h) for h, kind in ops.items() if kind == "hide"):
                ops.setdefault(p, "expose")
        args: list[str] = []
        for p, kind in sorted(ops.items(), key=lambda item: (len(item[0].parts), item[1] != "hide")):
            if kind == "expose":
                args += ["--ro-bind", str(p), str(p)]
            else:  # /tmp holds the kernel's home and scratch folder; the others stay empty
                size = self.tmp_size if p == Path("/tmp") else 1024**2
                args += ["--size", str(int(size)), "--tmpfs", str(p)]
        return args

    def _read_only(self) -> list[str]:
        # After the binds inside them exist, make the empty stand-ins read-only too (except /tmp,
        # which holds the kernel's home and working folder): nothing can even be created there.
        args: list[str] = []
        for p in sorted({Path(os.path.realpath(h)) for h in self.hidden}, key=lambda q: len(q.parts)):
            if p not in (Path("/"), Path("/tmp")) and p.exists():
                args += ["--remount-ro", str(p)]
        return args

    def wrap(self, cmd: list[str], *, workdir: str, binds: list[str], env: dict[str, str]) -> list[str]:
        """The command line that runs ``cmd`` under this policy, with ``workdir`` as its cwd."""
        limited = _limit_cmd(self.memory_limit, self.file_size_limit) + list(cmd)
        if not self.sandboxed:
            return limited
        args = ["bwrap", "--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc"]
        args += self._mounts()
        for b in [*binds, workdir]:
            args += ["--bind", b, b]
        args += self._read_only()
        args += ["--dir", env["HOME"], "--clearenv"]
        for key, value in env.items():
            args += ["--setenv", key, value]
        args += [
            "--chdir",
            workdir,
            "--unshare-pid",
            "--unshare-net",
            "--unshare-ipc",
            "--unshare-uts",
            "--unshare-cgroup-try",
            "--cap-drop",
            "ALL",
            "--new-session",
            "--die-with-parent",
            "--",
        ]
        return args + limited


def _is_within(path: Path, parent: Path) -> bool:
    try:
        path.relative_to(parent)
    except ValueError:
        return False
    return True


def _limit_cmd(memory_limit: int, file_size_limit: int) -> list[str]:
    prlimit = shutil.which("prlimit")
    if prlimit:
        return [prlimit, f"--as={int(memory_limit)}", f"--fsize={int(file_size_limit)}", "--core=0", "--"]
    shim = (
        "import os, resource, sys;"
        "resource.setrlimit(resource.RLIMIT_AS, (int(sys.argv[1]),) * 2);"
        "resource.setrlimit(resource.RLIMIT_FSIZE, (int(sys.argv[2]),) * 2);"
        "resource.setrlimit(resource.RLIMIT_CORE, (0, 0));"
        "os.execvp(sys.argv[3], sys.argv[3:])"
    )
    return [sys.executable, "-c", shim, str(int(memory_limit)), str(int(file_size_limit))]


def kernel_env(home: str) -> dict[str, str]:
    """The (cleared) environment of a sandboxed kernel."""
    env = {
        "PATH": os.pathsep.join(
            [os.path.dirname(os.path.abspath(sys.executable)), "/usr/local/bin", "/usr/bin", "/bin"]
        ),
        "HOME": home,
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
    }
    if "VIRTUAL_ENV" in os.environ:
        env["VIRTUAL_ENV"] = os.environ["VIRTUAL_ENV"]
    return env


def _host_matplotlib_cache() -> str:
    if os.environ.get("MPLCONFIGDIR"):
        return os.environ["MPLCONFIGDIR"]
    cache = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(cache, "matplotlib")


def _seed_home(workdir: str) -> str:
    """Create the kernel's home inside its scratch folder, with the host's matplotlib font cache.

    Without the cache, the first plot in every kernel rebuilds it, and if that takes over 5 s
    matplotlib warns on stderr -- which nbgrader scores as a failed test cell.
    """
    home = os.path.join(workdir, ".home")
    mpl = os.path.join(home, ".config", "matplotlib")
    os.makedirs(mpl, exist_ok=True)
    for cached in glob.glob(os.path.join(_host_matplotlib_cache(), "fontlist-*.json")):
        shutil.copy(cached, mpl)
    return home


class SandboxedKernelManager(AsyncKernelManager):
    """A kernel manager whose kernel starts inside the sandbox, talking over ``ipc`` sockets.

    Create it with :meth:`create`; call :meth:`cleanup_dirs` after the kernel has shut down.
    """

    policy: SandboxPolicy
    workdir: str
    _ipc_dir: str

    @classmethod
    def create(cls, policy: SandboxPolicy, workdir: str, **kwargs) -> SandboxedKernelManager:
        ipc_dir = tempfile.mkdtemp(prefix="mlhc-k")
        km = cls(
            transport="ipc",
            ip=os.path.join(ipc_dir, "k"),
            connection_file=os.path.join(ipc_dir, "kernel.json"),
            **kwargs,
        )
        km.policy = policy
        km.workdir = workdir
        km._ipc_dir = ipc_dir
        return km

    def format_kernel_cmd(self, extra_arguments: list[str] | None = None) -> list[str]:
        # Interrupts travel as control-channel messages: signals from outside may not reach a
        # kernel in its own session and PID namespace.
        self.kernel_spec.interrupt_mode = "message"
        cmd = super().format_kernel_cmd(extra_arguments)
        env = kernel_env(_seed_home(self.workdir))
        return self.policy.wrap(cmd, workdir=self.workdir, binds=[self._ipc_dir], env=env)

    async def _async_pre_start_kernel(self, **kw):
        # Never let the kernel write to the grader's terminal (or pipes): 100 MB printed to the
        # raw file descriptors must go nowhere.
        kw["stdout"] = subprocess.DEVNULL
        kw["stderr"] = subprocess.DEVNULL
        kw["stdin"] = subprocess.DEVNULL
        if not self.policy.sandboxed:
            env = dict(os.environ)
            env.update(kernel_env(_seed_home(self.workdir)))
            kw["env"] = env
        kw["cwd"] = self.workdir
        return await super()._async_pre_start_kernel(**kw)

    def cleanup_dirs(self) -> None:
        shutil.rmtree(self._ipc_dir, ignore_errors=True)


def warn_if_unsandboxed(policy: SandboxPolicy) -> bool:
    """Log and emit a loud warning if kernels will run without bubblewrap; return whether sandboxed."""
    if policy.sandboxed:
        return True
    log.warning(SANDBOX_MISSING_WARNING)
    warnings.warn("bubblewrap is not available: grading without a sandbox", RuntimeWarning, stacklevel=3)
    return False
