"""Tests kernels forked from a warm, sandboxed parent: the second kernel without its start-up cost.

A tests kernel runs only the instructor's code (see :mod:`._execute`): the locked set-up cells and the
test cells, with the student's answers passed in as data by trusted code (:mod:`._answers`). Starting
one from scratch for every submission costs more CPU than the tests themselves: a Python interpreter,
IPython and ipykernel, then NumPy, pandas, SciPy and scikit-learn imported by the set-up cells.

A :class:`TestsZygote` pays that once per notebook of a grading run. It starts one sandboxed process
(the same bubblewrap policy, environment and allow-listed data files as any kernel) that imports
ipykernel and every module the instructor's cells import, and then only forks: each child becomes a
fresh ipykernel (``IPKernelApp``) on its own connection file and ``ipc`` sockets, in its own working
folder. Nothing runs in the parent after the imports, so every child starts from the same clean state.

Why sharing one sandbox is safe here: no student code ever runs in a tests kernel, so the tests
kernels of different submissions are all trusted processes; the student kernel is still a fresh
process in a sandbox of its own. What reaches a tests kernel from a student is JSON, decoded by the
grader's own code. To take over a tests kernel (and from there reach its siblings, which share the
sandbox's user id and folders) a student would first need code execution through that decoding;
each child is also made non-dumpable, so its siblings cannot ptrace it. Each child keeps the
per-process limits (address space, CPU seconds, file size); the zygote's process limit is scaled by
the number of kernels it may host at once.

If the zygote cannot start, or dies, the runner falls back to starting tests kernels from scratch:
the optimisation never decides a grade.
"""

from __future__ import annotations

import ast
import contextlib
import dataclasses
import json
import os
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

from jupyter_client.manager import AsyncKernelManager

from ._sandbox import (
    SANDBOX_HOME,
    Cgroup,
    SandboxPolicy,
    _unsandboxed_workdir,
    kernel_env,
    sandbox_uid,
)

#: Seconds the zygote may take to import its modules and say it is ready.
READY_TIMEOUT = 120
#: Seconds one request to the zygote (fork, poll, signal) may take.
REQUEST_TIMEOUT = 30

#: Always imported by the zygote: the kernel and what it imports as it starts (its debugger, IPython's
#: history and completion), and what the tests' answer bridge uses.
BASE_MODULES = (
    "ipykernel.kernelapp",
    "ipykernel.ipkernel",
    "ipykernel.zmqshell",
    "ipykernel.debugger",
    "IPython.core.completerlib",
    "IPython.core.debugger",
    "IPython.core.history",
    "IPython.core.logger",
    "IPython.core.oinspect",
    "IPython.extensions.storemagic",
    "IPython.utils.wildcard",
    "tornado.ioloop",
    "tornado.platform.asyncio",
    "sqlite3",
    "base64",
    "pickle",
    "socket",
    "struct",
)

# Runs inside the sandbox as `python -I -c ZYGOTE_PROGRAM <modules as JSON>`. Requests arrive as JSON
# lines on stdin and replies leave on stdout; both are moved off fds 0 and 1 first, so nothing an
# imported module prints can corrupt the protocol, and no child inherits them.
ZYGOTE_PROGRAM = r"""
import atexit, builtins, importlib, json, os, random, shutil, signal, sys

def prerun(setup):
    # Run the instructor's set-up cells as a kernel would before them: the kernel config's
    # exec_lines, then each cell through IPython's input transformers, in one namespace that becomes
    # each child's user namespace. None (run nothing) if the config could do more than exec_lines.
    from IPython.core.application import ENV_CONFIG_DIRS, SYSTEM_CONFIG_DIRS
    from IPython.core.inputtransformer2 import TransformerManager

    lines = []
    for folder in [*SYSTEM_CONFIG_DIRS[::-1], *ENV_CONFIG_DIRS[::-1]]:  # later ones win
        for name in ("ipython_config.py", "ipython_config.json", "ipython_kernel_config.py"):
            if os.path.exists(os.path.join(folder, name)):
                return None, 0
        path = os.path.join(folder, "ipython_kernel_config.json")
        if os.path.exists(path):
            with open(path) as f:
                config = json.load(f)
            if set(config) - {"IPKernelApp"} or set(config.get("IPKernelApp", {})) - {"exec_lines", "log_level"}:
                return None, 0
            lines = config["IPKernelApp"].get("exec_lines", lines)
    before = sorted(os.listdir("."))
    ns = {"__name__": "__main__", "__builtins__": builtins}
    manager = TransformerManager()
    for source in lines:
        exec(compile(manager.transform_cell(source), "<set-up cell>", "exec"), ns)
    ran = 0
    for source, watch in setup:
        # a cell moved ahead of tests must not change what they read: only values it cannot mutate
        if watch is not None and not all(immutable(ns[name]) for name in watch if name in ns):
            break
        exec(compile(manager.transform_cell(source), "<set-up cell>", "exec"), ns)
        ran += 1
    if sorted(os.listdir(".")) != before:  # files the children would share
        raise RuntimeError("a set-up cell wrote to the working folder")
    import threading
    if threading.active_count() > 1:  # a fork keeps only this thread: their locks could be held
        raise RuntimeError("a set-up cell left threads running")
    return ns, ran

def immutable(value):
    import types
    if isinstance(value, tuple):
        return all(immutable(v) for v in value)
    return value is None or isinstance(value, (
        bool, int, float, complex, str, bytes, frozenset, range, type, types.ModuleType,
        types.FunctionType, types.BuiltinFunctionType))

def main():
    null = os.open(os.devnull, os.O_RDWR)
    requests = os.fdopen(os.dup(0), "r", encoding="utf-8")
    replies = os.fdopen(os.dup(1), "w", encoding="utf-8")
    private = (requests.fileno(), replies.fileno())
    for fd in (0, 1, 2):
        os.dup2(null, fd)
    failed = []
    for name in json.loads(sys.argv[1]):
        try:
            importlib.import_module(name)
        except BaseException:
            failed.append(name)
    base = os.getcwd()
    setup = json.loads(sys.argv[2])
    ns, ran = None, 0
    if setup:
        try:
            ns, ran = prerun(setup)
        except BaseException as exc:
            # the half-run set-up may have changed modules: this zygote is spoilt, say why and stop
            replies.write(json.dumps({"ready": False, "setup": "%s: %s" % (type(exc).__name__, exc)}) + "\n")
            replies.flush()
            os._exit(3)
    state = random.getstate()
    done = {}
    workdirs = {}

    def reap():
        while True:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                return
            if pid == 0:
                return
            done[pid] = os.waitstatus_to_exitcode(status)
            shutil.rmtree(workdirs.pop(pid, ""), ignore_errors=True)

    replies.write(json.dumps({"ready": True, "failed": failed, "setup": ns is not None, "ran": ran}) + "\n")
    replies.flush()
    for line in requests:
        reply = {}
        try:
            request = json.loads(line)
            op = request["op"]
            reap()
            if op == "spawn":
                workdir = request["workdir"]
                pid = os.fork()
                if pid == 0:
                    child(request, base, workdir, private, ns, state)
                workdirs[pid] = workdir
                reply = {"pid": pid}
            elif op == "poll":
                reply = {"status": done.get(request["pid"])}
            elif op == "signal":
                if request["pid"] in workdirs:
                    try:
                        os.kill(request["pid"], request["signal"])
                    except ProcessLookupError:
                        pass
            else:
                reply = {"error": "unknown request"}
        except Exception as exc:
            reply = {"error": "%s: %s" % (type(exc).__name__, exc)}
        replies.write(json.dumps(reply) + "\n")
        replies.flush()

def child(request, base, workdir, private, ns, state):
    code = 1
    try:
        for fd in private:
            os.close(fd)
        os.setsid()
        try:  # PR_SET_DUMPABLE 0: the zygote's other children (same uid) cannot ptrace this one
            import ctypes
            ctypes.CDLL(None).prctl(4, 0, 0, 0, 0)
        except Exception:
            pass
        os.makedirs(workdir)
        for name in os.listdir(base):
            os.symlink(os.path.join(base, name), os.path.join(workdir, name))
        os.chdir(workdir)
        numpy = sys.modules.get("numpy")
        if ns is None and numpy is not None:  # as fresh as a new interpreter's
            numpy.random.seed()
        # no history database: the kernels share one home, and nothing reads a tests kernel's history
        sys.argv = ["ipykernel_launcher", "-f", request["connection_file"], "--HistoryManager.enabled=False"]
        from ipykernel import kernelapp
        app = kernelapp.IPKernelApp.instance(user_ns=ns)  # what launch_new_instance does, plus:
        app.initialize(sys.argv[1:])
        if ns is not None:
            # random's state as the set-up left it, from the first execution on: random re-seeds
            # itself at fork, and the kernel draws from it as it starts (zmq's random ports)
            def restore(*args):
                random.setstate(state)
                app.shell.events.unregister("pre_execute", restore)
            app.shell.events.register("pre_execute", restore)
        app.start()
        code = 0
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
    except BaseException:
        code = 1
    finally:
        try:
            atexit._run_exitfuncs()
        finally:
            os._exit(code)

main()
"""


class ZygoteError(RuntimeError):
    """The zygote is not running, or did not answer."""


class _SetupFailed(ZygoteError):
    """A set-up cell raised in the zygote (a kernel will then run it, and show the error)."""


def program_modules(sources: list[str]) -> list[str]:
    """The modules the instructor's cells import (absolute imports only), in first-seen order.

    ``from a.b import c`` lists ``a.b`` and ``a.b.c`` (which may be a submodule; the zygote ignores
    names that fail to import). Cells that are not plain Python (magics) are read without their
    ``%`` and ``!`` lines.

    Examples
    --------
    >>> program_modules(["import numpy as np\\nfrom sklearn.metrics import roc_auc_score"])
    ['numpy', 'sklearn.metrics', 'sklearn.metrics.roc_auc_score']
    """
    names: list[str] = []
    for source in sources:
        tree = _parse(source)
        if tree is None:
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                found = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                found = [node.module] + [f"{node.module}.{a.name}" for a in node.names if a.name != "*"]
            else:
                continue
            names += [n for n in found if n not in names]
    return names


def _parse(source: str) -> ast.Module | None:
    for text in (source, "\n".join(line for line in source.splitlines() if line.lstrip()[:1] not in "%!")):
        try:
            return ast.parse(text)
        except SyntaxError:
            continue
    return None


class TestsZygote:
    """A sandboxed process that forks tests kernels (see the module docstring).

    Parameters
    ----------
    policy : SandboxPolicy
        The sandbox and per-process limits (the same as every kernel's).
    files : dict of str to str
        Allow-listed data files: name in the working folder -> host file.
    modules : list of str
        Modules to import before forking (see :func:`program_modules`).
    kernels : int
        How many kernels may be alive at once: the zygote's process limit is this many kernels'.
    setup : list of (str, list of str or None), optional
        The instructor's cells to run once, in order (see :func:`._execute.set_up_plan`): each
        child starts with their namespace (:attr:`setup_done`, :attr:`setup_ran`). A cell with a
        list of names (one moved ahead of tests) runs only if each of those names holds a value it
        cannot mutate; else the zygote stops there. If a cell fails, leaves threads or writes a
        file, a zygote with only the cells without such a list is started, then one with none.
    """

    __test__ = False  # not a pytest class, despite its name

    def __init__(
        self,
        policy: SandboxPolicy,
        files: dict[str, str],
        modules: list[str],
        *,
        kernels: int,
        setup: list[tuple[str, list[str] | None]] | None = None,
    ):
        #: Why the zygote was restarted with fewer set-up cells (None: it was not).
        self.setup_error: str | None = None
        setup = [(entry, None) if isinstance(entry, str) else tuple(entry) for entry in setup or []]
        prefix = [entry for entry in setup if entry[1] is None]
        for attempt in [setup, prefix, []] if len(prefix) < len(setup) else [setup, []]:
            try:
                self._start(policy, files, modules, kernels=kernels, setup=attempt)
                return
            except _SetupFailed as exc:
                self.setup_error = str(exc)

    def _start(self, policy, files, modules, *, kernels: int, setup: list) -> None:
        self.policy = policy
        self.files = dict(files)
        self.root = tempfile.mkdtemp(prefix="mlhc-z")
        self.uid = sandbox_uid() if policy.sandboxed else None
        if self.uid is not None:
            os.chown(self.root, self.uid, self.uid)
        scaled = dataclasses.replace(policy, process_limit=policy.process_limit * max(1, kernels))
        self.cgroup = Cgroup(scaled.process_limit)
        self._lock = threading.Lock()
        self._count = 0
        cmd = [
            sys.executable,
            "-I",
            "-c",
            ZYGOTE_PROGRAM,
            json.dumps([*BASE_MODULES, *modules]),
            json.dumps(setup),
        ]
        if policy.sandboxed:
            argv = self.cgroup.prefix() + scaled.wrap(
                cmd, binds=[self.root], env=kernel_env(), files=self.files, uid=self.uid
            )
            self.home, cwd, env = SANDBOX_HOME, self.root, None
        else:
            workdir = _unsandboxed_workdir(self.root, self.files)
            self.home, cwd = os.path.join(workdir, ".home"), workdir
            env = {**os.environ, **kernel_env(self.home), "TMPDIR": os.path.join(self.home, "tmp")}
            argv = self.cgroup.prefix() + scaled.wrap(cmd, binds=[], env={}, uid=None)
        self.proc = subprocess.Popen(
            argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, cwd=cwd, env=env
        )
        try:
            ready = self._read(READY_TIMEOUT)
        except ZygoteError:
            self.close()
            raise
        if not ready.get("ready"):
            self.close()
            raise _SetupFailed(ready.get("setup", "the set-up cells failed"))
        self.failed_imports: list[str] = ready.get("failed", [])
        #: Whether every child starts with set-up cells already run, and how many (the first ones).
        self.setup_done: bool = bool(ready.get("setup"))
        self.setup_ran: int = int(ready.get("ran", 0)) if self.setup_done else 0

    def _read(self, timeout: float) -> dict:
        out = self.proc.stdout
        readable, _, _ = select.select([out], [], [], timeout)
        line = out.readline() if readable else b""
        if not line:
            raise ZygoteError("the tests-kernel zygote did not answer")
        return json.loads(line)

    def request(self, **request) -> dict:
        """Send one request and return the reply (raises :class:`ZygoteError`)."""
        with self._lock:
            if self.proc.poll() is not None:
                raise ZygoteError("the tests-kernel zygote is not running")
            try:
                self.proc.stdin.write(json.dumps(request).encode() + b"\n")
                self.proc.stdin.flush()
            except OSError as exc:
                raise ZygoteError(f"the tests-kernel zygote is not running ({exc})") from exc
            reply = self._read(REQUEST_TIMEOUT)
        if "error" in reply:
            raise ZygoteError(f"the tests-kernel zygote refused a request: {reply['error']}")
        return reply

    @property
    def alive(self) -> bool:
        return self.proc.poll() is None

    def kernel_dir(self) -> str:
        """A new folder for one kernel's connection file and sockets, visible to the zygote."""
        with self._lock:
            self._count += 1
            count = self._count
        path = os.path.join(self.root, f"k{count}")
        os.mkdir(path, 0o700)
        if self.uid is not None:
            os.chown(path, self.uid, self.uid)
        return path

    def spawn(self, connection_file: str) -> ForkedKernel:
        """Fork a kernel that reads ``connection_file``; its working folder is a fresh one."""
        workdir = os.path.join(self.home, "tests-" + os.path.basename(os.path.dirname(connection_file)))
        reply = self.request(op="spawn", connection_file=connection_file, workdir=workdir)
        return ForkedKernel(self, int(reply["pid"]))

    def close(self) -> None:
        """Stop the zygote and every kernel it forked; remove its folders."""
        with self._lock:
            with contextlib.suppress(Exception):
                self.proc.stdin.close()
            if self.proc.poll() is None:
                self.cgroup.kill()
                with contextlib.suppress(Exception):
                    self.proc.kill()
            with contextlib.suppress(Exception):
                self.proc.wait(timeout=30)
            with contextlib.suppress(Exception):
                self.proc.stdout.close()
        self.cgroup.remove()
        shutil.rmtree(self.root, ignore_errors=True)


class ForkedKernel:
    """The ``Popen``-like handle jupyter_client's provisioner keeps for a forked kernel."""

    stdin = stdout = stderr = None

    def __init__(self, zygote: TestsZygote, pid: int):
        self.zygote = zygote
        self.pid = pid
        self.returncode: int | None = None

    def poll(self) -> int | None:
        if self.returncode is None:
            try:
                self.returncode = self.zygote.request(op="poll", pid=self.pid)["status"]
            except ZygoteError:
                self.returncode = -signal.SIGKILL  # the zygote took its children with it
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        deadline = None if timeout is None else time.monotonic() + timeout
        while self.poll() is None:
            if deadline is not None and time.monotonic() > deadline:
                raise subprocess.TimeoutExpired("forked kernel", timeout)
            time.sleep(0.02)
        return self.returncode

    def send_signal(self, signum: int) -> None:
        if self.returncode is None:
            with contextlib.suppress(Exception):
                self.zygote.request(op="signal", pid=self.pid, signal=int(signum))

    def kill(self) -> None:
        self.send_signal(signal.SIGKILL)

    def terminate(self) -> None:
        self.send_signal(signal.SIGTERM)


class ZygoteKernelManager(AsyncKernelManager):
    """A kernel manager whose kernel is forked by a :class:`TestsZygote` over ``ipc`` sockets.

    It offers what :class:`._sandbox.SandboxedKernelManager` does to the grading client
    (``ipc_dir``, ``uid``, ``policy``, ``cgroup``, :meth:`cleanup_dirs`); the per-kernel cgroup is a
    disabled one (the zygote's is shared), so only the per-process CPU limit applies.
    """

    zygote: TestsZygote

    @classmethod
    def create(cls, zygote: TestsZygote, **kwargs) -> ZygoteKernelManager:
        kdir = zygote.kernel_dir()
        km = cls(
            transport="ipc",
            ip=os.path.join(kdir, "k"),
            connection_file=os.path.join(kdir, "kernel.json"),
            **kwargs,
        )
        km.zygote = zygote
        km.policy = zygote.policy
        km.files = zygote.files
        km.uid = zygote.uid
        km.cgroup = Cgroup.disabled()
        km._ipc_dir = kdir
        return km

    @property
    def ipc_dir(self) -> str:
        return self._ipc_dir

    def format_kernel_cmd(self, extra_arguments: list[str] | None = None) -> list[str]:
        self.kernel_spec.interrupt_mode = "message"  # as every sandboxed kernel: no signals from outside
        return ["(forked by the tests-kernel zygote)"]

    async def _async_pre_start_kernel(self, **kw):
        result = await super()._async_pre_start_kernel(**kw)
        if self.uid is not None and os.path.exists(self.connection_file):
            os.chown(self.connection_file, self.uid, self.uid)
        return result

    async def _async_launch_kernel(self, kernel_cmd: list[str], **kw) -> None:
        provisioner = self.provisioner
        process = self.zygote.spawn(self.connection_file)
        provisioner.process = process
        provisioner.pid = process.pid
        provisioner.pgid = None  # signals go through the zygote, to this kernel only
        provisioner.cwd = self._ipc_dir
        self._reconcile_connection_info(provisioner.connection_info)

    def cleanup_dirs(self) -> None:
        shutil.rmtree(self._ipc_dir, ignore_errors=True)
