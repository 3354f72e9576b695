"""Executing submissions: the student's cells in one sandboxed kernel, the tests in another.

Every notebook is executed by two kernels, each in its own sandbox (:mod:`._sandbox`):

1. the **student kernel** runs the submission top to bottom, exactly as the student saw it: their
   cells, the instructor's locked cells and the *visible* part of each test cell (hidden tests never
   enter this kernel). Its outputs are what the feedback shows for the student's cells;
2. the **tests kernel** is fresh. It runs only instructor code from the source notebook -- the locked
   set-up cells and the full test cells, hidden tests included -- and, before each test cell, receives
   the student's answers as data or as proxies that run the student's functions in the student
   kernel (:mod:`._answers`). Its outputs are the test cells' outputs, which nbgrader scores.
   It starts, and runs the instructor's cells that come before the first test cell (they never need
   an answer), while the student kernel runs; it is served answers only once the student's run is
   over. It is forked from a warm zygote (:mod:`._zygote`) that has imported the kernel and the
   instructor's modules and run those set-up cells once per notebook: a fresh process each time,
   without the start-up cost (falling back to a kernel started from scratch).

No student code ever runs in the tests kernel, so nothing the student does to their interpreter
(IPython's transformers and hooks, ``builtins``, NumPy, files beside the notebook) can change how the
tests run. There is no guard to get around: the tests' interpreter is out of the student's reach.

:class:`GradingClient` *is* nbgrader's ``Execute`` preprocessor (an nbclient ``NotebookClient``), so
cells run and outputs are recorded as ``nbgrader autograde`` would record them, with these additions:

- a kernel that dies (``os._exit()``, a segfault, the memory limit) or stops answering interrupts is
  reported in the cell that killed it, and every later code cell gets a "not run" error; the
  student kernel is then restarted and the cells before the fatal one replayed, so that earlier
  answers still reach the tests;
- stream and display output is capped per cell (errors are always kept: they decide the grade);
- every ``MemoryError``, ``SystemExit``, ``KeyboardInterrupt`` and ``RecursionError``, and the CPU
  budget, are noted in the grading log;
- a kernel that cannot start is retried; if it still cannot, :class:`GraderFailure` is raised: a
  failure of the grading machinery is never the student's zero.

:class:`ParallelRunner` runs notebooks ``jobs`` at a time on an asyncio loop in a background thread,
so that the grading thread can keep doing nbgrader's (serial) gradebook bookkeeping meanwhile. A
notebook's slot is freed as soon as its tests have run: the next notebook starts while its kernels
shut down.
:class:`SandboxedExecute` is the drop-in replacement for ``Execute`` in nbgrader's ``Autograde``.
"""

from __future__ import annotations

import asyncio
import base64
import builtins
import concurrent.futures
import contextlib
import copy
import hashlib
import json
import os
import symtable
import threading
from dataclasses import dataclass, field
from typing import Any

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellTimeoutError, DeadKernelError
from nbformat import NotebookNode
from nbgrader import utils as nbutils
from nbgrader.preprocessors import Execute
from traitlets import Integer

from . import _answers
from ._sandbox import SandboxedKernelManager, SandboxPolicy
from ._zygote import TestsZygote, ZygoteError, ZygoteKernelManager, program_modules

#: Default cap on the stream and display output kept per cell (1 MB of text).
DEFAULT_OUTPUT_LIMIT = 1_000_000
#: How many times a kernel start is tried before the submission is marked not graded.
START_ATTEMPTS = 3

_UNRESPONSIVE = "the kernel did not respond to an interrupt after the timeout and was killed"
_ABNORMAL = ("MemoryError", "SystemExit", "KeyboardInterrupt", "RecursionError")


class GraderFailure(RuntimeError):
    """The grading machinery failed (e.g. a kernel could not start): the submission is not graded."""


@dataclass
class NotebookSpec:
    """What grading one notebook of an assignment needs besides the submission.

    Attributes
    ----------
    program : list of (str, str, bool)
        The instructor's cells the tests kernel runs, in source order: ``(grade_id, source,
        is_test)`` for each locked code cell and each test cell, hidden tests included.
    answer_names : list of str
        Names the released answer cells bind (the student's answers): always taken from the student.
    files : dict of str to str
        Allow-listed data files: name in the working folder -> file in the instructor's source.
    """

    program: list[tuple[str, str, bool]] = field(default_factory=list)
    answer_names: list[str] = field(default_factory=list)
    files: dict[str, str] = field(default_factory=dict)


def spec_from_source(source_nb: NotebookNode, files: dict[str, str] | None = None) -> NotebookSpec:
    """The :class:`NotebookSpec` of a source notebook (the instructor's, with solutions)."""
    spec = NotebookSpec(files=dict(files or {}))
    for cell in source_nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        if cell.cell_type != "code" or not meta.get("grade_id"):
            continue
        if meta.get("solution"):
            for name in _answers.bound_names(cell.source):
                if name not in spec.answer_names:
                    spec.answer_names.append(name)
        elif meta.get("locked") or meta.get("grade"):
            spec.program.append((meta["grade_id"], cell.source, bool(meta.get("grade"))))
    return spec


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
    unresponsive_grace = Integer(10, help="Seconds to wait past the timeout before killing the kernel.").tag(
        config=True
    )

    def __init__(self, *args, **kwargs):
        kwargs.pop("guard", None)  # the integrity guard is gone: the tests run in their own kernel
        super().__init__(*args, **kwargs)
        self.events: list[str] = []
        self.role = "student"
        self._dead: str | None = None
        self.death_cell: int | None = None
        self._out_chars: dict[int, int] = {}
        self._truncated: set[int] = set()
        self.before_test = None

    async def silent(self, code: str, *, timeout: float, user_expressions: dict | None = None):
        """Run ``code`` without recording it; return the shell reply, or None on timeout/death."""
        msg_id = self.kc.execute(
            code, silent=True, store_history=False, user_expressions=user_expressions or {}
        )
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            remaining = deadline - loop.time()
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
        if self.before_test is not None and _is_test_cell(cell):
            await self.before_test(cell)
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
            await self.kill()
            self._kernel_gone(cell, cell_index, "CellTimeoutError", _UNRESPONSIVE)
            return cell
        try:
            task.result()
        except CellTimeoutError:  # no idle message after the interrupt: the kernel is stuck
            await self.kill()
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
        await self._after_cell(cell, cell_index)
        return cell

    async def _after_cell(self, cell, cell_index: int) -> None:
        for out in cell.get("outputs", []):
            if out.get("output_type") == "error" and out.get("ename") in _ABNORMAL:
                self.events.append(f"cell {cell_index}: abnormal end: {out['ename']}")
        if any(o.get("ename") == "CellTimeoutError" for o in cell.get("outputs", [])):
            self.events.append(f"cell {cell_index}: timed out after {self.timeout} s and was interrupted")
            if await self.silent("pass", timeout=self.unresponsive_grace) is None:
                await self.kill()
                self._kernel_gone(cell, cell_index, None, _UNRESPONSIVE)
                return
        used = self.km.cgroup.cpu_seconds() if hasattr(self.km, "cgroup") else None
        if used is not None and used > self.km.policy.cpu_limit:
            await self.kill()
            self._kernel_gone(
                cell,
                cell_index,
                "CPUBudgetExceeded",
                f"the submission used more than {self.km.policy.cpu_limit} CPU seconds and was stopped",
            )

    def _kernel_gone(self, cell, cell_index: int, ename: str | None, reason: str) -> None:
        if ename is not None:
            cell.outputs = list(cell.get("outputs", [])) + [_error_output(ename, reason)]
        self._dead = f"{reason} in cell {cell_index}"
        self.death_cell = cell_index
        self.events.append(f"cell {cell_index}: abnormal end: {reason}; later cells were not run")

    async def kill(self) -> None:
        with contextlib.suppress(Exception):
            self.km.cgroup.kill()
        with contextlib.suppress(Exception):
            await self.km.kill_kernel()

    async def async_wait_for_reply(self, msg_id, cell=None):
        if self._dead is not None:
            return None
        return await super().async_wait_for_reply(msg_id, cell)

    # -- kernel life cycle ---------------------------------------------------------------------
    async def start(self, make_km, *, attempts: int | None = None) -> None:
        """Start a kernel (retrying); raise :class:`GraderFailure` if it never becomes ready."""
        attempts = attempts or START_ATTEMPTS
        last = None
        for attempt in range(1, attempts + 1):
            km = self.km = make_km()
            self.kc = None
            try:
                await self.async_start_new_kernel()
                await self.async_start_new_kernel_client()
                msg_id = self.kc.kernel_info()
                reply = await self.async_wait_for_reply(msg_id)
                if reply is None:
                    raise RuntimeError("no reply to kernel_info")
                return
            except Exception as exc:  # jupyter_client and nbclient raise several types here
                last = exc
                self.events.append(f"{self.role} kernel start attempt {attempt} failed: {type(exc).__name__}")
                self.km = self.km or km  # nbclient forgets its manager when the client fails
                await self.stop()
                if attempt < attempts:
                    await asyncio.sleep(2 * attempt)
        raise GraderFailure(
            f"the {self.role} kernel could not be started after {attempts} attempts "
            f"({type(last).__name__}: {last})"
        )

    async def stop(self) -> None:
        km = self.km
        if km is None:
            return
        with contextlib.suppress(Exception):
            if self.kc is not None:
                self.kc.stop_channels()
        with contextlib.suppress(Exception):
            await km.shutdown_kernel(now=True)
        with contextlib.suppress(Exception):
            await km.cleanup_resources()
        if hasattr(km, "cleanup_dirs"):  # may wait for the cgroup to empty: not on the event loop
            await asyncio.to_thread(km.cleanup_dirs)
        self.kc = None


def notebook_key(nb: NotebookNode) -> str:
    """A digest of what execution depends on: each cell's type and source."""
    h = hashlib.sha256()
    for cell in nb.cells:
        h.update(cell.cell_type.encode())
        h.update(b"\0")
        h.update(cell.source.encode("utf-8", "surrogatepass"))
        h.update(b"\1")
    return h.hexdigest()


def _student_view(nb: NotebookNode) -> NotebookNode:
    """The submission as the student ran it: every test cell reduced to its visible part."""
    view = copy.deepcopy(nb)
    for cell in view.cells:
        if _is_test_cell(cell):
            cell.source = _answers.visible_part(cell.source)
    return view


def _tests_notebook(nb: NotebookNode, spec: NotebookSpec) -> NotebookNode:
    """The instructor's program for the tests kernel (falls back to the submission's locked cells)."""
    program = spec.program or [
        (c.metadata["nbgrader"]["grade_id"], c.source, _is_test_cell(c))
        for c in nb.cells
        if c.cell_type == "code"
        and c.metadata.get("nbgrader", {}).get("grade_id")
        and (c.metadata["nbgrader"].get("locked") or _is_test_cell(c))
    ]
    cells = []
    for gid, source, is_test in program:
        cell = nbformat.v4.new_code_cell(source)
        cell.metadata["nbgrader"] = {
            "grade_id": gid,
            "grade": is_test,
            "solution": False,
            "locked": True,
            "schema_version": 3,
            "points": 1 if is_test else 0,
        }
        cells.append(cell)
    return nbformat.v4.new_notebook(cells=cells, metadata=copy.deepcopy(nb.metadata))


def set_up_plan(
    tests_nb: NotebookNode, first: int, answer_names: list[str]
) -> list[tuple[int, list[str] | None]]:
    r"""The cells of a tests notebook that can run once, before any test, in a zygote (in order).

    Every cell before the first test cell (``first``), and each later locked cell that can move ahead
    of the cells between (tests, and locked cells that cannot move) without any name changing: it
    reads and writes no name they write (the student's answers and whatever a test takes from the
    student included), writes no name they or the planned cells read (a function defined earlier
    reads its globals when called), and no planned cell reads a name they write. A cell that is
    not plain Python stops the plan there.

    Each moved cell comes with the names it (or a planned function it may call) reads that a test
    it overtakes reads too: the zygote runs it only if none of them holds a value it could mutate.

    Examples
    --------
    >>> import nbformat
    >>> def cell(source, test=False):
    ...     c = nbformat.v4.new_code_cell(source)
    ...     c.metadata["nbgrader"] = {"grade_id": source[:5], "grade": test, "locked": True}
    ...     return c
    >>> nb = nbformat.v4.new_notebook(cells=[
    ...     cell("import math\nseed = 1"), cell("assert f(seed) == 2", test=True),
    ...     cell("data = [seed] * 3"), cell("model = f(data)"), cell("assert model", test=True)])
    >>> set_up_plan(nb, 1, ["f"])  # `data` moves ahead of the test; `model` needs the answer f
    [(0, None), (2, ['seed'])]
    """
    builtin = set(dir(builtins))
    plan: list[tuple[int, list[str] | None]] = [(i, None) for i in range(first)]
    names = [_global_names(c.source) for c in tests_nb.cells]
    deep = [_global_names(c.source, nested_only=True)[0] or set() for c in tests_nb.cells]
    planned_loads = set().union(*(loads for loads, _ in names[:first] if loads is not None))
    planned_deep = set().union(*deep[:first])
    overtaken_stores, overtaken_loads = set(answer_names), set()
    instructor = set().union(*(stores for _, stores in names if stores is not None))
    for index in range(first, len(tests_nb.cells)):
        cell = tests_nb.cells[index]
        loads, stores = names[index]
        if loads is None:
            break
        if not _is_test_cell(cell) and not (
            (loads | stores | planned_loads) & overtaken_stores or stores & (overtaken_loads | planned_loads)
        ):
            # what it and the planned functions it may call read, that a test it overtakes reads too
            plan.append((index, sorted((loads | planned_deep) & overtaken_loads)))
            planned_loads |= loads
            planned_deep |= deep[index]
            continue
        overtaken_loads |= loads
        overtaken_stores |= stores
        if _is_test_cell(cell):  # names a test takes from the student are written before it runs
            overtaken_stores |= loads - instructor - builtin
    return plan


def _global_names(source: str, *, nested_only: bool = False) -> tuple[set[str] | None, set[str] | None]:
    """The global names a cell reads and writes, at any depth (a function's parameters and locals
    are not global), or only inside its functions and classes; ``(None, None)`` if the cell is not
    plain Python."""
    try:
        top = symtable.symtable(source, "<cell>", "exec")
    except SyntaxError:
        return None, None
    loads, stores = set(), set()
    tables = [top]
    while tables:
        table = tables.pop()
        for symbol in table.get_symbols():
            name = symbol.get_name()
            if (table is top and not nested_only) or (table is not top and symbol.is_global()):
                if symbol.is_referenced():
                    loads.add(name)
                if symbol.is_assigned() or symbol.is_imported() or (table is top and symbol.is_namespace()):
                    stores.add(name)
        tables.extend(table.get_children())
    return loads, stores


class _Submission:
    """Runs one notebook: the student kernel and, alongside it, the tests kernel, which asks the
    student kernel for answers once the student's run is over."""

    def __init__(self, runner: ParallelRunner, nb: NotebookNode, spec: NotebookSpec):
        self.runner = runner
        self.nb = nb
        self.spec = spec
        self.events: list[str] = []
        self.student: GradingClient | None = None
        self.tests: GradingClient | None = None
        self.server: _answers.AnswerServer | None = None
        self._tests_nb: NotebookNode | None = None
        self._instructor_names: set[str] = set()
        self._student_finished = False
        self._done_by_zygote: set[int] = set()

    def _client(self, nb: NotebookNode, role: str) -> GradingClient:
        client = GradingClient(config=self.runner.config, **self.runner.client_kwargs)
        NotebookClient.__init__(client, nb, None)  # as nbconvert's ExecutePreprocessor.preprocess does
        client.role = role
        client.events = self.events
        client.resources = {"metadata": {}}
        client.reset_execution_trackers()
        return client

    def _kernel_name(self) -> str:
        return self.nb.metadata.get("kernelspec", {}).get("name", "python3")

    def _km(self, ipc_hook=None):
        km = SandboxedKernelManager.create(
            self.runner.policy, self.spec.files, kernel_name=self._kernel_name()
        )
        if ipc_hook is not None:
            ipc_hook(km)
        return km

    async def execute(self) -> None:
        """Execute the notebook; the kernels keep running until :meth:`close`."""
        # The tests kernel starts, and runs the instructor's cells before the first test (they never
        # need an answer), while the student kernel runs the submission: a submission's two kernels
        # overlap instead of taking turns. Each is still fresh and used for this notebook only.
        tests_ready = asyncio.ensure_future(self._start_tests())
        try:
            await self._run_student()
        except BaseException:
            tests_ready.cancel()
            with contextlib.suppress(BaseException):
                await tests_ready
            raise
        self._student_finished = True
        await self._run_tests(await tests_ready)

    async def close(self) -> None:
        """Stop both kernels (at once) and the answer server."""
        clients = [c for c in (self.tests, self.student) if c is not None]
        await asyncio.gather(*(c.stop() for c in clients), return_exceptions=True)
        if self.server is not None:
            await self.server.close()

    async def _run_student(self) -> None:
        view = _student_view(self.nb)
        self.student = self._client(view, "student")
        await self.student.start(self._km)
        for index, cell in enumerate(view.cells):
            await self.student.async_execute_cell(
                cell, index, execution_count=self.student.code_cells_executed + 1
            )
        for cell, done in zip(self.nb.cells, view.cells, strict=True):
            if cell.cell_type == "code" and not _is_test_cell(cell):
                cell.outputs = done.get("outputs", [])
                cell.execution_count = done.get("execution_count")
        if self.student.death_cell is not None:
            await self._replay(view, self.student.death_cell)

    async def _replay(self, view: NotebookNode, death: int) -> None:
        """Restart the student kernel and re-run the cells before the fatal one (outputs discarded),
        so that the answers given before it still reach the tests."""
        self.events.append(f"student kernel restarted; cells 0-{death - 1} replayed for the tests")
        await self.student.stop()
        replay = self._client(copy.deepcopy(view), "student")
        await replay.start(self._km)
        for index, cell in enumerate(replay.nb.cells[:death]):
            if any(o.get("ename") == "CellTimeoutError" for o in cell.get("outputs", [])):
                continue
            await replay.async_execute_cell(cell, index)
        self.student = replay

    async def _ask_student(self, request: str, args: bytes = b"") -> str:
        client = self.student
        if not self._student_finished or client is None or client._dead is not None:
            return _answers.error_reply("RuntimeError", "the student's kernel is not running")
        # Large arguments (a test's data) go through a file in the student kernel's ipc folder: as a
        # literal, encoding and compiling them would cost more than the call.
        path = None
        if len(args) > _answers.INLINE_LIMIT:
            with contextlib.suppress(Exception):  # then inline, as small arguments are
                path = await asyncio.to_thread(
                    _answers.write_request_file, client.km.ipc_dir, args, client.km.uid
                )
        source = repr(base64.b64encode(args).decode()) if path is None else f"open({path!r}, 'rb').read()"
        timeout = client.timeout or 60
        try:
            reply = await client.silent(
                "", timeout=timeout, user_expressions={"r": _answers.student_call(request, source)}
            )
        finally:
            if path is not None:
                with contextlib.suppress(OSError):
                    _answers.remove_request_file(path)
        if reply is None:
            with contextlib.suppress(Exception):
                await client.km.interrupt_kernel()
            if await client.silent("pass", timeout=client.unresponsive_grace) is None:
                await client.kill()
                client._dead = "the student's code did not return during the tests"
            self.events.append(f"the student's code did not return within {timeout} s during the tests")
            return _answers.error_reply("TimeoutError", f"the answer did not return within {timeout} s")
        text = _answers.parse_user_expression(reply)
        if text is None:
            return _answers.error_reply("RuntimeError", "the grader could not read the answer")
        return text

    async def _start_tests(self) -> int | None:
        """Start the tests kernel and run the instructor's cells before the first test cell.

        Returns the index of the first test cell in the tests notebook (None: no test, no kernel).
        """
        tests_nb = self._tests_nb = _tests_notebook(self.nb, self.spec)
        first = next((i for i, c in enumerate(tests_nb.cells) if _is_test_cell(c)), None)
        if first is None:
            return None
        self.server = _answers.AnswerServer(self._ask_student, self.events)
        sockets: list[str] = []

        def hook(km):
            sockets.append(os.path.join(km.ipc_dir, "answers.sock"))

        # only with the instructor's own cells (from the source): never a submission's copies of them
        plan = set_up_plan(tests_nb, first, self.spec.answer_names) if self.spec.program else []
        zygote = await self.runner.tests_zygote(self.spec, tests_nb, plan) if self.spec.program else None

        def make_km():
            if zygote is None or not zygote.alive:
                return self._km(hook)
            km = ZygoteKernelManager.create(zygote, kernel_name=self._kernel_name())
            hook(km)
            return km

        self.tests = self._client(tests_nb, "tests")
        await self.tests.start(make_km)
        await self.server.start(sockets[-1])
        if self.tests.km.uid is not None:
            os.chown(sockets[-1], self.tests.km.uid, self.tests.km.uid)
        setup = _answers.TESTS_HELPER.replace("__SOCKET__", repr(sockets[-1]))
        reply = await self.tests.silent(setup, timeout=120)
        if reply is None or reply["content"].get("status") != "ok":
            raise GraderFailure("the tests kernel could not load the grader's answer bridge")
        self._instructor_names = set().union(*(_answers.stored_names(c.source) for c in tests_nb.cells))
        forked = isinstance(self.tests.km, ZygoteKernelManager)
        if forked and self.tests.km.zygote.setup_done and self.tests.km.zygote.setup_ran >= first:
            # the zygote ran these cells (and the later ones of the plan) before it forked this kernel
            self._done_by_zygote = {index for index, _ in plan[: self.tests.km.zygote.setup_ran]}
            self.tests.code_cells_executed += first
            return first
        for index, cell in enumerate(tests_nb.cells[:first]):
            await self.tests.async_execute_cell(
                cell, index, execution_count=self.tests.code_cells_executed + 1
            )
        return first

    async def _run_tests(self, first: int | None) -> None:
        """The rest of the tests notebook, from its first test cell, once the student's run is over."""
        if first is None:
            self._map_test_outputs({})  # nothing to test: no second kernel
            return
        tests_nb = self._tests_nb
        self.tests.before_test = self._bind_answers
        for index, cell in enumerate(tests_nb.cells[first:], start=first):
            if index in self._done_by_zygote:
                self.tests.code_cells_executed += 1
                continue
            await self.tests.async_execute_cell(
                cell, index, execution_count=self.tests.code_cells_executed + 1
            )
        self._map_test_outputs(
            {c.metadata["nbgrader"]["grade_id"]: c for c in tests_nb.cells if _is_test_cell(c)}
        )

    def _map_test_outputs(self, results: dict) -> None:
        """Test cells get the tests kernel's outputs; one it did not run (not in the source) fails."""
        for cell in self.nb.cells:
            gid = cell.metadata.get("nbgrader", {}).get("grade_id")
            if _is_test_cell(cell) and gid in results:
                cell.outputs = results[gid].get("outputs", [])
                cell.execution_count = results[gid].get("execution_count")
            elif _is_test_cell(cell):
                cell.outputs = [_error_output("NotRun", "this test cell is not in the source notebook")]

    async def _bind_answers(self, cell) -> None:
        names = _answers.loaded_names(cell.source)
        override = [n for n in names if n in self.spec.answer_names]
        # a name the instructor's cells bind never comes from the student, even if an earlier
        # test failed before binding it (then it is a NameError, as in nbgrader)
        missing = [n for n in names if n not in override and n not in self._instructor_names]
        code = f"__import__('_mlhc_answers').bind({override!r}, {missing!r})"
        reply = await self.tests.silent(
            "", timeout=(self.tests.timeout or 60) * 4, user_expressions={"r": code}
        )
        if reply is None:
            self.events.append("the student's answers could not be passed to the tests (timeout)")
            return
        problems = _answers.parse_user_expression(reply)
        if problems is None:
            self.events.append(
                f"the student's answers could not be passed to the tests: {reply['content']}"[:500]
            )
        elif problems != "[]":
            self.events.append(f"answers not passed to the tests: {problems}"[:500])


class ParallelRunner:
    """Execute notebooks ``jobs`` at a time, each with a sandboxed student kernel and tests kernel.

    Parameters
    ----------
    jobs : int
        How many notebooks run at once.
    policy : SandboxPolicy
        The sandbox and resource limits.
    config : traitlets.config.Config
        nbgrader's configuration (``Execute.timeout`` and friends apply to every client).
    client_kwargs : dict
        Trait values that override the configuration (``timeout``, ``output_limit``).
    fork_tests_kernels : bool, default=True
        Fork each notebook's tests kernels from a warm :class:`._zygote.TestsZygote` (else every
        tests kernel starts from scratch, as every student kernel does).
    """

    def __init__(
        self,
        jobs: int,
        policy: SandboxPolicy,
        config: Any,
        client_kwargs: dict | None = None,
        *,
        fork_tests_kernels: bool = True,
    ):
        self.jobs = max(1, int(jobs))
        self.fork_tests_kernels = fork_tests_kernels
        self._zygotes: dict[tuple, asyncio.Future] = {}
        self.policy = policy
        self.config = config
        self.client_kwargs = dict(client_kwargs or {})
        self.client_kwargs.pop("guard", None)
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="mlhc-grading", daemon=True)
        self._thread.start()
        self._sem = asyncio.run_coroutine_threadsafe(self._make_sem(), self._loop).result()
        self._prefetched: dict[tuple, tuple[str, concurrent.futures.Future]] = {}
        self._lock = threading.Lock()

    async def _make_sem(self):
        return asyncio.Semaphore(self.jobs)

    async def tests_zygote(
        self, spec: NotebookSpec, tests_nb: NotebookNode, plan: list[tuple[int, list[str] | None]]
    ) -> TestsZygote | None:
        """The zygote that forks this notebook's tests kernels, with the cells of ``plan`` (see
        :func:`set_up_plan`) already run (started on first use; None if forking is off or the
        zygote could not start: tests kernels then start from scratch)."""
        if not self.fork_tests_kernels:
            return None
        modules = program_modules([c.source for c in tests_nb.cells])
        setup = [(tests_nb.cells[i].source, watch) for i, watch in plan]
        key = (tuple(sorted(spec.files.items())), tuple(modules), repr(setup))
        if key not in self._zygotes:
            self._zygotes[key] = asyncio.ensure_future(
                asyncio.to_thread(
                    TestsZygote, self.policy, spec.files, modules, kernels=2 * self.jobs + 2, setup=setup
                )
            )
        try:
            zygote = await asyncio.shield(self._zygotes[key])
        except (ZygoteError, OSError, ValueError):
            return None
        return zygote if zygote.alive else None

    async def _close_zygotes(self) -> None:
        for future in self._zygotes.values():
            with contextlib.suppress(BaseException):
                zygote = await future
                await asyncio.to_thread(zygote.close)
        self._zygotes.clear()

    def submit(self, nb: NotebookNode, spec: NotebookSpec | None = None) -> concurrent.futures.Future:
        """Start executing a copy of ``nb``; the future gives ``(executed notebook, events)``."""
        nb = nbformat.from_dict(json.loads(json.dumps(nb)))
        spec = spec if isinstance(spec, NotebookSpec) else NotebookSpec()
        return asyncio.run_coroutine_threadsafe(self._run(nb, spec), self._loop)

    def prefetch(self, key: tuple, nb: NotebookNode, spec: NotebookSpec | None = None) -> None:
        """Start executing ``nb`` now; :meth:`take` hands the result over later."""
        future = self.submit(nb, spec)
        with self._lock:
            self._prefetched[key] = (notebook_key(nb), future)

    def peek(self, key: tuple) -> concurrent.futures.Future | None:
        """The prefetched execution for ``key``, left in place for :meth:`take`."""
        with self._lock:
            entry = self._prefetched.get(key)
        return None if entry is None else entry[1]

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

    async def _run(self, nb: NotebookNode, spec: NotebookSpec):
        submission = _Submission(self, nb, spec)
        try:
            async with self._sem:
                await submission.execute()
        finally:
            # outside the semaphore: the next notebook starts while these kernels shut down
            await submission.close()
        return submission.nb, submission.events

    def close(self) -> None:
        """Cancel what is still queued and stop the loop."""
        with self._lock:
            for _, future in self._prefetched.values():
                future.cancel()
            self._prefetched.clear()
        with contextlib.suppress(Exception):
            asyncio.run_coroutine_threadsafe(self._close_zygotes(), self._loop).result(timeout=120)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=30)


#: The runner of the grading run in progress (set by :func:`.autograde`).
_ACTIVE: dict[str, Any] = {"runner": None, "events": {}, "order": {}, "specs": {}}


def _spec_from_gradebook(resources: dict):
    """Without an mlhc run (plain ``nbgrader autograde``): the instructor's cells from the gradebook."""
    info = resources.get("nbgrader", {})
    from nbgrader.api import Gradebook

    with Gradebook(info["db_url"]) as gb:
        notebook = gb.find_notebook(info["notebook"], info["assignment"])
        cells = {c.name: c for c in notebook.source_cells}
        tests = {c.name for c in notebook.grade_cells if c.cell_type == "code"}
        solutions = {c.name for c in notebook.solution_cells}
        spec = NotebookSpec()
        for name, cell in cells.items():
            if name in solutions:
                spec.answer_names += _answers.bound_names(cell.source)
        return spec, cells, tests, solutions


class SandboxedExecute(Execute):
    """nbgrader's ``Execute`` step, delegated to the sandboxed :class:`ParallelRunner`.

    Configure ``Autograde.autograde_preprocessors`` with this class in place of ``Execute``.
    """

    def preprocess(self, nb, resources, km=None):
        runner: ParallelRunner | None = _ACTIVE["runner"]
        own_runner = runner is None
        info = resources.get("nbgrader", {})
        key = (info.get("student"), info.get("assignment"), info.get("notebook"))
        spec = _ACTIVE["specs"].get(key[1:]) if not own_runner else None
        if own_runner:
            # Used outside mlhc's autograde (e.g. configured into plain `nbgrader autograde`).
            from ._sandbox import require_sandbox

            runner = ParallelRunner(1, SandboxPolicy.hiding([os.getcwd()]), self.config)
            require_sandbox(runner.policy)
            spec = _plain_nbgrader_spec(nb, resources)
        try:
            future = runner.take(key, nb) or runner.submit(nb, spec)
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


def _plain_nbgrader_spec(nb: NotebookNode, resources: dict) -> NotebookSpec:
    """The spec when nbgrader itself drives the run: locked and test cells as restored from the
    gradebook (nbgrader's OverwriteCells ran before this step), answer names from the released stubs."""
    try:
        spec, cells, tests, solutions = _spec_from_gradebook(resources)
    except Exception as exc:  # never trust the submission's own "locked" cells instead
        raise GraderFailure(f"the instructor's cells could not be read from the gradebook ({exc})") from exc
    for cell in nb.cells:
        gid = cell.metadata.get("nbgrader", {}).get("grade_id")
        if cell.cell_type != "code" or gid not in cells or gid in solutions:
            continue
        if cells[gid].locked or gid in tests:
            spec.program.append((gid, cells[gid].source, gid in tests))
    return spec


def sandboxed_autograde_preprocessors() -> list[type]:
    """nbgrader's default ``Autograde.autograde_preprocessors``, with ``Execute`` swapped for
    :class:`SandboxedExecute` (everything else, and its order, stays nbgrader's)."""
    from nbgrader.converters import Autograde

    defaults = Autograde.class_traits()["autograde_preprocessors"].make_dynamic_default()
    return [SandboxedExecute if p is Execute else p for p in defaults]
