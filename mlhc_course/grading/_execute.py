"""Executing submissions: nbgrader's ``Execute`` preprocessor, run in sandboxed kernels, in parallel.

:class:`GradingClient` *is* nbgrader's ``Execute`` preprocessor (an nbclient ``NotebookClient``), so
cells run and outputs are recorded exactly as ``nbgrader autograde`` would record them, with four
additions for hostile notebooks:

- the kernel lives in the sandbox (:mod:`._sandbox`) and is started by :class:`SandboxedKernelManager`;
- a kernel that dies (``os._exit()``, a segfault, the memory limit) or stops answering interrupts is
  reported in the cell that killed it, and every later code cell gets a "not run" error, so their tests
  score zero instead of counting as passed (an empty grade cell would otherwise pass);
- stream and display output is capped per cell (errors are always kept: they decide the grade);
- an integrity guard snapshots ``builtins``, ``math``, ``numpy``, ``numpy.testing`` (and similar
  modules as they are imported) and IPython's hooks when the kernel starts; before every grade cell it
  restores anything the student's code replaced, and if something is replaced *while* a test runs, that
  test fails with ``TamperingDetected``.

:class:`ParallelRunner` runs these clients ``jobs`` at a time on an asyncio loop in a background thread,
so that the grading thread can keep doing nbgrader's (serial) gradebook bookkeeping meanwhile.
:class:`SandboxedExecute` is the drop-in replacement for ``Execute`` in nbgrader's ``Autograde``
pipeline: it takes the result the runner already computed for exactly this notebook, or runs it now.
"""

from __future__ import annotations

import ast
import asyncio
import concurrent.futures
import contextlib
import hashlib
import json
import os
import secrets
import shutil
import tempfile
import threading
from typing import Any

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellTimeoutError, DeadKernelError
from nbformat import NotebookNode
from nbgrader import utils as nbutils
from nbgrader.preprocessors import Execute
from traitlets import Bool, Integer

from ._sandbox import SandboxedKernelManager, SandboxPolicy

#: Default cap on the stream and display output kept per cell (1 MB of text).
DEFAULT_OUTPUT_LIMIT = 1_000_000

_GUARD_SETUP = r"""
def __mlhc_make_guard(nonce):
    import builtins, json, sys, types
    for name in ("math", "operator", "numpy", "numpy.testing"):
        try:
            __import__(name)
        except Exception:
            pass
    watch = ("builtins", "math", "operator", "functools", "statistics", "unittest", "numpy",
             "numpy.testing", "numpy.linalg", "pandas", "pandas.testing", "sklearn.metrics",
             "mlhc_course.metrics", "mlhc_course.exercises")
    skip = {"builtins": {"_", "__", "___", "input", "raw_input", "get_ipython", "display", "exit", "quit",
                         "__IPYTHON__", "help"}}
    snaps, modules, aliases = {}, {}, {}
    ip = get_ipython()
    hooks = {a: list(getattr(ip, a)) for a in
             ("ast_transformers", "input_transformers_post", "input_transformers_cleanup")}

    def snapshot():
        for name in watch:
            mod = sys.modules.get(name)
            if mod is not None and name not in snaps:
                snaps[name] = {k: v for k, v in vars(mod).items() if k not in skip.get(name, ())}
                modules[name] = mod

    def check(expected):
        restored = []
        for name, snap in snaps.items():
            mod = modules[name]
            if sys.modules.get(name) is not mod:
                sys.modules[name] = mod
                restored.append("sys.modules[%r]" % name)
            current = vars(mod)
            for key, value in snap.items():
                if current.get(key, snap) is not value:
                    try:
                        setattr(mod, key, value)
                    except Exception:
                        pass
                    restored.append(name + "." + key)
        snapshot()
        ns = ip.user_ns
        for key, modname in expected.items():
            mod = sys.modules.get(modname)
            if mod is not None and ns.get(key) is not mod:
                ns[key] = mod
                aliases[key] = mod
                restored.append("the name %r (should be the module %s)" % (key, modname))
        for key, mod in list(aliases.items()):
            if ns.get(key) is not mod:
                ns[key] = mod
                restored.append("the name %r (was the module %s)" % (key, mod.__name__))
        for key, value in list(ns.items()):
            if isinstance(value, types.ModuleType) and not key.startswith("_"):
                aliases.setdefault(key, value)
        for attr, original in hooks.items():
            if list(getattr(ip, attr)) != original:
                setattr(ip, attr, list(original))
                restored.append("IPython " + attr)
        if ip.custom_exceptions:
            ip.set_custom_exc((), None)
            restored.append("IPython custom exception handler")
        return json.dumps([nonce, restored])

    snapshot()
    return check

import sys as __mlhc_sys, types as __mlhc_types
__mlhc_mod = __mlhc_types.ModuleType("_mlhc_guard")
__mlhc_mod.check = __mlhc_make_guard(__NONCE__)
__mlhc_sys.modules["_mlhc_guard"] = __mlhc_mod
del __mlhc_make_guard, __mlhc_sys, __mlhc_types, __mlhc_mod
"""

_UNRESPONSIVE = "the kernel did not respond to an interrupt after the timeout and was killed"

_GUARD_CHECK = "__import__('_mlhc_guard').check(%s)"


def locked_imports(nb: NotebookNode) -> dict[str, str]:
    """Names that the instructor's locked cells bind to modules (``import numpy as np`` -> np: numpy).

    ``from package import name`` is included too; the guard only acts on it if ``package.name`` is
    an imported module.
    """
    names: dict[str, str] = {}
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        if cell.cell_type != "code" or not (
            meta.get("locked") or (meta.get("grade") and not meta.get("solution"))
        ):
            continue
        try:
            tree = ast.parse(cell.source)
        except SyntaxError:
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.asname:
                        names[alias.asname] = alias.name
                    else:
                        top = alias.name.split(".")[0]
                        names[top] = top
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                for alias in node.names:
                    if alias.name != "*":
                        names[alias.asname or alias.name] = f"{node.module}.{alias.name}"
    return names


def _error_output(ename: str, evalue: str) -> NotebookNode:
    return NotebookNode(output_type="error", ename=ename, evalue=evalue, traceback=[f"{ename}: {evalue}"])


def _is_test_cell(cell: NotebookNode) -> bool:
    return cell.cell_type == "code" and nbutils.is_grade(cell) and not nbutils.is_solution(cell)


def _output_size(msg: dict) -> int:
    content = msg.get("content", {})
    if msg.get("msg_type") == "stream":
        return len(content.get("text", ""))
    data = content.get("data") or {}
    return sum(len(v) if isinstance(v, str) else len(json.dumps(v)) for v in data.values())


class GradingClient(Execute):
    """nbgrader's ``Execute`` preprocessor, hardened for student notebooks (see the module docstring)."""

    output_limit = Integer(
        DEFAULT_OUTPUT_LIMIT, help="Characters of stream/display output kept per cell."
    ).tag(config=True)
    guard = Bool(True, help="Restore monkeypatched builtins/numpy/IPython hooks before each test cell.").tag(
        config=True
    )
    unresponsive_grace = Integer(10, help="Seconds to wait past the timeout before killing the kernel.").tag(
        config=True
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.events: list[str] = []
        self._dead: str | None = None
        self._out_chars: dict[int, int] = {}
        self._truncated: set[int] = set()
        self._nonce = secrets.token_hex(8)
        self._expected_modules: dict[str, str] | None = None

    # -- setup -------------------------------------------------------------------------------
    async def async_start_new_kernel_client(self):
        kc = await super().async_start_new_kernel_client()
        if self.guard:
            reply = await self._silent(_GUARD_SETUP.replace("__NONCE__", repr(self._nonce)), timeout=60)
            if reply is None or reply["content"].get("status") != "ok":
                self.events.append("the integrity guard could not be installed in the kernel")
                self.guard = False
        return kc

    async def _silent(self, code: str, *, timeout: float, user_expressions: dict | None = None):
        msg_id = self.kc.execute(
            code, silent=True, store_history=False, user_expressions=user_expressions or {}
        )
        deadline = asyncio.get_running_loop().time() + timeout
        while True:
            remaining = deadline - asyncio.get_running_loop().time()
            if remaining <= 0:
                return None
            try:
                msg = await self.kc.shell_channel.get_msg(timeout=min(remaining, 1.0))
            except Exception:
                if not await self.km.is_alive():
                    return None
                continue
            if msg["parent_header"].get("msg_id") == msg_id:
                return msg

    async def _check_guard(self) -> list[str] | None:
        """Run the guard; return what it restored, or None if the guard itself was tampered with."""
        if self._expected_modules is None:
            self._expected_modules = locked_imports(self.nb)
        check = _GUARD_CHECK % json.dumps(self._expected_modules)
        reply = await self._silent("", timeout=30, user_expressions={"r": check})
        try:
            result = reply["content"]["user_expressions"]["r"]
            nonce, restored = json.loads(eval(result["data"]["text/plain"], {"__builtins__": {}}))  # noqa: S307
        except Exception:
            return None
        return restored if nonce == self._nonce else None

    # -- output cap ----------------------------------------------------------------------------
    def output(self, outs, msg, display_id, cell_index):
        if msg.get("msg_type") not in ("stream", "display_data", "execute_result", "update_display_data"):
            return super().output(outs, msg, display_id, cell_index)  # errors are always kept
        before = self._out_chars.get(cell_index, 0)
        used = before + _output_size(msg)
        self._out_chars[cell_index] = used
        if self.output_limit < 0 or used <= self.output_limit:
            return super().output(outs, msg, display_id, cell_index)
        stream = msg["content"].get("name") if msg.get("msg_type") == "stream" else None
        if stream and before < self.output_limit:  # keep the head of the message that crosses the cap
            head = dict(
                msg, content=dict(msg["content"], text=msg["content"]["text"][: self.output_limit - before])
            )
            super().output(outs, head, display_id, cell_index)
        if stream == "stderr" and not any(o.get("name") == "stderr" for o in outs):
            # nbgrader scores a grade cell that wrote to stderr as 0: keep that signal
            outs.append(
                NotebookNode(output_type="stream", name="stderr", text="[... stderr output truncated ...]\n")
            )
        if cell_index not in self._truncated:
            self._truncated.add(cell_index)
            self.events.append(f"cell {cell_index}: output truncated at {self.output_limit:,} characters")
            outs.append(
                NotebookNode(
                    output_type="stream",
                    name="stdout",  # not stderr: nbgrader scores a grade cell with stderr as 0
                    text=f"\n[... output truncated by the grader: more than {self.output_limit:,} characters ...]\n",
                )
            )
        return None

    # -- hardened cell execution ---------------------------------------------------------------
    async def async_execute_cell(self, cell, cell_index, execution_count=None, store_history=True):
        if cell.cell_type != "code" or not cell.source.strip():
            return await super().async_execute_cell(cell, cell_index, execution_count, store_history)
        if self._dead is not None:
            cell.outputs = [_error_output("NotRun", f"this cell was not run because {self._dead}")]
            return cell
        is_test = _is_test_cell(cell)
        if is_test and self.guard:
            restored = await self._check_guard()
            if restored is None:
                self.events.append(f"cell {cell_index}: the grader's integrity guard was tampered with")
                cell.outputs = [
                    _error_output("TamperingDetected", "the grader's integrity check was tampered with")
                ]
                return cell
            if restored:
                self.events.append(
                    f"cell {cell_index}: monkeypatching detected and undone before the tests ran: "
                    + ", ".join(sorted(set(restored)))
                )
        # nbclient's own timeout interrupts the kernel; this outer limit catches a kernel that
        # ignores the interrupt (and nbclient's wait for its idle message).
        hard_limit = None if not self.timeout else self.timeout + self.iopub_timeout + self.unresponsive_grace
        task = asyncio.ensure_future(
            super().async_execute_cell(cell, cell_index, execution_count, store_history)
        )
        done, _ = await asyncio.wait({task}, timeout=hard_limit)
        if not done:
            task.cancel()
            with contextlib.suppress(BaseException):
                await task
            await self._kill()
            self._kernel_gone(cell, cell_index, "CellTimeoutError", _UNRESPONSIVE)
            return cell
        try:
            task.result()
        except CellTimeoutError:  # no idle message after the interrupt: the kernel is stuck
            await self._kill()
            self._kernel_gone(cell, cell_index, "CellTimeoutError", _UNRESPONSIVE)
            return cell
        except DeadKernelError:
            self._kernel_gone(
                cell,
                cell_index,
                "KernelDied",
                "the kernel died while running this cell (os._exit(), a crash, or the memory limit)",
            )
            return cell
        if any(o.get("ename") == "CellTimeoutError" for o in cell.get("outputs", [])):
            self.events.append(f"cell {cell_index}: timed out after {self.timeout} s and was interrupted")
            if await self._silent("pass", timeout=self.unresponsive_grace) is None:
                await self._kill()
                self._kernel_gone(cell, cell_index, None, _UNRESPONSIVE)
                return cell
        if is_test and self.guard:
            restored = await self._check_guard()
            if restored is None or restored:
                what = (
                    "the grader's integrity guard" if restored is None else ", ".join(sorted(set(restored)))
                )
                self.events.append(
                    f"cell {cell_index}: code replaced {what} while the tests ran; test failed"
                )
                cell.outputs.append(
                    _error_output(
                        "TamperingDetected", f"the code under test replaced {what} while the tests ran"
                    )
                )
        return cell

    def _kernel_gone(self, cell, cell_index: int, ename: str | None, reason: str) -> None:
        if ename is not None:
            cell.outputs = list(cell.get("outputs", [])) + [_error_output(ename, reason)]
        self._dead = f"{reason} in cell {cell_index}"
        self.events.append(f"cell {cell_index}: {reason}; later cells were not run")

    async def _kill(self) -> None:
        with contextlib.suppress(Exception):
            await self.km.kill_kernel()

    async def async_wait_for_reply(self, msg_id, cell=None):
        if self._dead is not None:
            return None
        return await super().async_wait_for_reply(msg_id, cell)


def notebook_key(nb: NotebookNode) -> str:
    """A digest of what execution depends on: each cell's type and source."""
    h = hashlib.sha256()
    for cell in nb.cells:
        h.update(cell.cell_type.encode())
        h.update(b"\0")
        h.update(cell.source.encode("utf-8", "surrogatepass"))
        h.update(b"\1")
    return h.hexdigest()


def _copy_workdir(src_dirs) -> str:
    workdir = tempfile.mkdtemp(prefix="mlhc-run-")
    if isinstance(src_dirs, (str, os.PathLike)):
        src_dirs = [src_dirs]
    for src_dir in src_dirs or []:
        if not os.path.isdir(src_dir):
            continue
        shutil.copytree(
            src_dir,
            workdir,
            dirs_exist_ok=True,
            ignore=shutil.ignore_patterns("*.ipynb", ".ipynb_checkpoints"),
            symlinks=False,
            ignore_dangling_symlinks=True,
        )
    return workdir


class ParallelRunner:
    """Execute notebooks ``jobs`` at a time, each in its own sandboxed kernel.

    Parameters
    ----------
    jobs : int
        How many kernels run at once.
    policy : SandboxPolicy
        The sandbox and resource limits.
    config : traitlets.config.Config
        nbgrader's configuration (``Execute.timeout`` and friends apply to every client).
    client_kwargs : dict
        Trait values that override the configuration (``timeout``, ``output_limit``).
    """

    def __init__(self, jobs: int, policy: SandboxPolicy, config: Any, client_kwargs: dict | None = None):
        self.jobs = max(1, int(jobs))
        self.policy = policy
        self.config = config
        self.client_kwargs = dict(client_kwargs or {})
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="mlhc-grading", daemon=True)
        self._thread.start()
        self._sem = asyncio.run_coroutine_threadsafe(self._make_sem(), self._loop).result()
        self._prefetched: dict[tuple, tuple[str, concurrent.futures.Future]] = {}
        self._lock = threading.Lock()

    async def _make_sem(self):
        return asyncio.Semaphore(self.jobs)

    def submit(self, nb: NotebookNode, src_dir) -> concurrent.futures.Future:
        """Start executing a copy of ``nb`` in a scratch copy of ``src_dir`` (a folder or a list, later wins)."""
        nb = nbformat.from_dict(json.loads(json.dumps(nb)))
        return asyncio.run_coroutine_threadsafe(self._run(nb, src_dir), self._loop)

    def prefetch(self, key: tuple, nb: NotebookNode, src_dir) -> None:
        """Start executing ``nb`` now; :meth:`take` hands the result over later."""
        future = self.submit(nb, src_dir)
        with self._lock:
            self._prefetched[key] = (notebook_key(nb), future)

    def take(self, key: tuple, nb: NotebookNode) -> concurrent.futures.Future | None:
        """The prefetched execution of exactly this notebook, if there is one."""
        with self._lock:
            entry = self._prefetched.pop(key, None)
        if entry is None:
            return None
        digest, future = entry
        if digest != notebook_key(nb):
            future.cancel()
            return None
        return future

    async def _run(self, nb: NotebookNode, src_dir):
        async with self._sem:
            workdir = await asyncio.to_thread(_copy_workdir, src_dir)
            kernel_name = nb.metadata.get("kernelspec", {}).get("name", "python3")
            km = SandboxedKernelManager.create(self.policy, workdir, kernel_name=kernel_name)
            client = GradingClient(config=self.config, **self.client_kwargs)
            NotebookClient.__init__(client, nb, km)  # as nbconvert's ExecutePreprocessor.preprocess does
            client.resources = {"metadata": {"path": workdir}}
            try:
                await client.async_execute(cwd=workdir)
            except Exception as exc:  # the kernel could not start, or nbclient gave up
                client.events.append(f"execution failed: {type(exc).__name__}: {exc}")
                for cell in nb.cells:
                    if cell.cell_type == "code" and not cell.get("outputs"):
                        cell.outputs = [_error_output("NotRun", f"execution failed: {type(exc).__name__}")]
            finally:
                km.cleanup_dirs()
                await asyncio.to_thread(shutil.rmtree, workdir, True)
            return nb, client.events

    def close(self) -> None:
        """Cancel what is still queued and stop the loop."""
        with self._lock:
            for _, future in self._prefetched.values():
                future.cancel()
            self._prefetched.clear()
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=30)


#: The runner of the grading run in progress (set by :func:`.autograde`).
_ACTIVE: dict[str, Any] = {"runner": None, "events": {}, "order": {}}


class SandboxedExecute(Execute):
    """nbgrader's ``Execute`` step, delegated to the sandboxed :class:`ParallelRunner`.

    Configure ``Autograde.autograde_preprocessors`` with this class in place of ``Execute``.
    """

    def preprocess(self, nb, resources, km=None):
        runner: ParallelRunner | None = _ACTIVE["runner"]
        own_runner = runner is None
        if own_runner:
            # Used outside mlhc's autograde (e.g. configured into plain `nbgrader autograde`):
            # nbgrader runs converters from the course root, so hide the current directory.
            runner = ParallelRunner(1, SandboxPolicy.hiding([os.getcwd()]), self.config)
        info = resources.get("nbgrader", {})
        key = (info.get("student"), info.get("assignment"), info.get("notebook"))
        try:
            future = runner.take(key, nb) or runner.submit(nb, resources.get("metadata", {}).get("path"))
            executed, events = future.result()
        finally:
            if own_runner:
                runner.close()
        for cell, done in zip(nb.cells, executed.cells, strict=True):
            if cell.cell_type == "code":
                cell.outputs = done.get("outputs", [])
                cell.execution_count = done.get("execution_count")
        _ACTIVE["events"].setdefault(key, []).extend(events)
        return nb, resources


def sandboxed_autograde_preprocessors() -> list[type]:
    """nbgrader's default ``Autograde.autograde_preprocessors``, with ``Execute`` swapped for
    :class:`SandboxedExecute` (everything else, and its order, stays nbgrader's)."""
    from nbgrader.converters import Autograde

    defaults = Autograde.class_traits()["autograde_preprocessors"].make_dynamic_default()
    return [SandboxedExecute if p is Execute else p for p in defaults]
