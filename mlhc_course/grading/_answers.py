"""Passing a student's answers to the tests as data: the bridge between the two kernels.

The autograder tests run in a fresh *tests kernel* that never executes a line of student code. It
runs only the instructor's cells (locked set-up cells and test cells, taken from the source
notebook). Before each test cell, the names the cell uses that the student defines are fetched from
the *student kernel* (where the notebook ran) through the grading process:

- plain data (numbers, strings, lists, tuples, dicts, sets, bytes, NumPy arrays, pandas Series and
  DataFrames) is encoded as JSON in the student kernel and rebuilt by trusted code in the tests
  kernel, so an answer can never be an object with a forged ``__eq__``;
- a function (or another object) becomes a proxy: calling it sends the (pickled, trusted) arguments
  to the student kernel, runs the student's function *there*, and brings back the result as data.
  The pickled arguments travel as raw bytes; large ones reach the student kernel through a file in
  its ipc folder (:func:`write_request_file`), small ones inline in the expression that runs the call.
  Exceptions come back as the nearest built-in exception class (``ValueError`` stays a
  ``ValueError``), so tests that expect an error still work.

Which names come from the student: those the answer cells of the source notebook bind at top level
(the functions and variables the problem set asks for) always do, except where the instructor's
cells bound a module under that name; a name any instructor cell binds (set-up, tests, loop
variables, parameters) never does; any other name the test reads and the tests kernel lacks does.

Student code can therefore change anything in its own interpreter -- IPython's transformers and
hooks, ``builtins``, NumPy -- without effect on the interpreter that runs the tests. Everything the
student's side sends is treated as untrusted data.
"""

from __future__ import annotations

import ast
import asyncio
import contextlib
import hashlib
import json
import os
import secrets
import struct
from typing import Any

#: Largest reply (bytes of JSON) accepted from a student kernel for one answer.
MAX_REPLY_BYTES = 64 * 1024**2
#: Arguments longer than this (bytes, pickled) reach the student kernel through a file, not as source.
INLINE_LIMIT = 64 * 1024

BEGIN_HIDDEN = "BEGIN HIDDEN TESTS"
END_HIDDEN = "END HIDDEN TESTS"

# Runs in the STUDENT kernel (untrusted: the student may change anything here; only data comes out).
_STUDENT_HELPER_BODY = r"""
def __mlhc_rpc_handle(request, args=b""):
    import base64, builtins, io, json, math, pickle, sys, types
    refs = globals().setdefault("__mlhc_refs", {})
    ns = globals()

    def enc(v, depth=0):
        if depth > 60:
            raise ValueError("the answer is nested too deeply")
        if v is None or isinstance(v, bool):
            return None if v is None else bool(v)
        if isinstance(v, str):
            return str.__str__(v)
        if isinstance(v, int):
            return int(v)
        if isinstance(v, float):
            f = float(v)
            return f if math.isfinite(f) else {"$f": repr(f)}
        np = sys.modules.get("numpy")
        if np is not None:
            if isinstance(v, np.generic):
                return enc(v.item(), depth + 1)
            if isinstance(v, np.ndarray):
                if v.dtype.kind in "biufc" and not v.dtype.hasobject:
                    a = np.ascontiguousarray(v)
                    return {"$a": [a.dtype.str, list(a.shape), base64.b64encode(a.tobytes()).decode()]}
                return {"$ao": [list(v.shape), [enc(x, depth + 1) for x in v.ravel().tolist()]]}
        pd = sys.modules.get("pandas")
        if pd is not None:
            if isinstance(v, pd.Series):
                return {"$s": [enc(v.name, depth + 1), enc(list(v.index), depth + 1), enc(v.to_numpy(), depth + 1)]}
            if isinstance(v, pd.DataFrame):
                return {"$df": [enc(list(v.columns), depth + 1), enc(list(v.index), depth + 1),
                                [enc(v.iloc[:, i].to_numpy(), depth + 1) for i in range(v.shape[1])]]}
        if isinstance(v, complex):
            return {"$c": [float(v.real), float(v.imag)]}
        if isinstance(v, (bytes, bytearray)):
            return {"$b": base64.b64encode(bytes(v)).decode()}
        if isinstance(v, tuple):
            return {"$t": [enc(x, depth + 1) for x in v]}
        if isinstance(v, list):
            return [enc(x, depth + 1) for x in v]
        if isinstance(v, (set, frozenset)):
            return {"$set": [enc(x, depth + 1) for x in v], "frozen": isinstance(v, frozenset)}
        if isinstance(v, dict):
            return {"$d": [[enc(k, depth + 1), enc(x, depth + 1)] for k, x in v.items()]}
        if isinstance(v, types.ModuleType):
            return {"$x": "module"}
        ref = len(refs) + 1
        refs[ref] = v
        return {"$r": ref, "type": type(v).__name__, "callable": callable(v)}

    class Unpickler(pickle.Unpickler):
        def persistent_load(self, pid):
            return refs[pid]

    def error(exc):
        base = next((c.__name__ for c in type(exc).__mro__ if getattr(builtins, c.__name__, None) is c),
                    "Exception")
        try:
            message = str(exc)[:2000]
        except BaseException:
            message = ""
        return {"error": base, "type": type(exc).__name__, "message": message}

    try:
        req = json.loads(request)
        if req["op"] == "get":
            if req["name"] not in ns:
                return json.dumps({"absent": True})
            value = ns[req["name"]]
        elif req["op"] == "getattr":
            value = getattr(refs[req["ref"]], req["attr"])
        else:
            data = args if isinstance(args, bytes) else base64.b64decode(args)
            args, kwargs = Unpickler(io.BytesIO(data)).load()
            value = refs[req["ref"]](*args, **kwargs)
        return json.dumps({"value": enc(value)}, allow_nan=False)
    except BaseException as exc:
        return json.dumps(error(exc))
"""
#: Marks the helper this grader installs, so that a call can tell it is still there (and current).
STUDENT_HELPER_TAG = hashlib.sha256(_STUDENT_HELPER_BODY.encode()).hexdigest()[:16]
STUDENT_HELPER = _STUDENT_HELPER_BODY + f"__mlhc_rpc_handle.mlhc_helper = {STUDENT_HELPER_TAG!r}\n"

# Runs in the TESTS kernel (trusted: no student code ever runs there).
TESTS_HELPER = r'''
def __mlhc_install(socket_path):
    import base64, builtins, io, json, pickle, re, socket, struct, sys, types

    mod = types.ModuleType("_mlhc_answers")
    sys.modules["_mlhc_answers"] = mod

    class StudentCodeError(Exception):
        """An exception raised by the student's code that has no built-in equivalent."""

    class Unsupported:
        def __init__(self, what):
            self.what = what

        def __repr__(self):
            return "<an answer of a kind the grader cannot pass to the tests: %s>" % self.what

    def request(obj, args=b""):
        data = json.dumps(obj).encode()
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
            s.connect(socket_path)
            s.sendall(struct.pack(">Q", len(data)) + data + struct.pack(">Q", len(args)))
            if len(args):  # never an empty send: the grader may have answered and closed by then
                s.sendall(args)
            head = b""
            while len(head) < 8:
                chunk = s.recv(8 - len(head))
                if not chunk:
                    raise ConnectionError("the grader closed the connection")
                head += chunk
            (n,) = struct.unpack(">Q", head)
            buf = bytearray()
            while len(buf) < n:
                chunk = s.recv(min(1 << 20, n - len(buf)))
                if not chunk:
                    raise ConnectionError("the grader closed the connection")
                buf += chunk
        return json.loads(bytes(buf))

    def raise_from(reply):
        cls = getattr(builtins, str(reply.get("error", "")), None)
        message = str(reply.get("message", ""))
        if not (isinstance(cls, type) and issubclass(cls, Exception)):
            cls = StudentCodeError  # SystemExit, KeyboardInterrupt: a plain failure here
            message = "%s: %s" % (reply.get("type"), message)
        elif reply.get("type") and reply.get("type") != reply.get("error"):
            message = "%s: %s" % (reply["type"], message)
        raise cls(message)

    class StudentObject:
        __slots__ = ("_mlhc_ref", "_mlhc_type")

        def __init__(self, ref, typename):
            object.__setattr__(self, "_mlhc_ref", ref)
            object.__setattr__(self, "_mlhc_type", typename)

        def __getattr__(self, attr):
            return result(request({"op": "getattr", "ref": self._mlhc_ref, "attr": attr}))

        def __repr__(self):
            return "<student %s>" % self._mlhc_type

    class StudentFunction(StudentObject):
        __slots__ = ()

        def __call__(self, *args, **kwargs):
            buf = io.BytesIO()
            pickler = pickle.Pickler(buf, protocol=4)
            pickler.persistent_id = lambda o: o._mlhc_ref if isinstance(o, StudentObject) else None
            pickler.dump((args, kwargs))
            return result(request({"op": "call", "ref": self._mlhc_ref}, buf.getbuffer()))

    dtype_ok = re.compile(r"^[<>|=]?[biufc][0-9]{1,2}$")

    def dec(v):
        t = type(v)
        if v is None or t in (bool, int, float, str):
            return v
        if t is list:
            return [dec(x) for x in v]
        if t is not dict:
            raise TypeError("malformed answer")
        if "$f" in v:
            if v["$f"] not in ("nan", "inf", "-inf"):
                raise TypeError("malformed answer")
            return float(v["$f"])
        if "$t" in v:
            return tuple(dec(x) for x in v["$t"])
        if "$d" in v:
            return {dec(k): dec(x) for k, x in v["$d"]}
        if "$set" in v:
            items = [dec(x) for x in v["$set"]]
            return frozenset(items) if v.get("frozen") else set(items)
        if "$b" in v:
            return base64.b64decode(v["$b"])
        if "$c" in v:
            return complex(float(v["$c"][0]), float(v["$c"][1]))
        if "$a" in v:
            import numpy as np
            dtype, shape, data = v["$a"]
            if not dtype_ok.match(dtype):
                raise TypeError("malformed answer")
            return np.frombuffer(base64.b64decode(data), dtype=np.dtype(dtype)).reshape([int(s) for s in shape]).copy()
        if "$ao" in v:
            import numpy as np
            shape, items = v["$ao"]
            out = np.empty(len(items), dtype=object)
            for i, x in enumerate(items):
                out[i] = dec(x)
            return out.reshape([int(s) for s in shape])
        if "$s" in v:
            import pandas as pd
            name, index, values = (dec(x) for x in v["$s"])
            return pd.Series(values, index=index, name=name)
        if "$df" in v:
            import pandas as pd
            columns, index, values = v["$df"]
            columns, index = dec(columns), dec(index)
            return pd.DataFrame({i: dec(x) for i, x in enumerate(values)}, index=index).set_axis(columns, axis=1)
        if "$r" in v:
            cls = StudentFunction if v.get("callable") else StudentObject
            return cls(int(v["$r"]), str(v.get("type", "object")))
        if "$x" in v:
            return Unsupported(str(v["$x"]))
        raise TypeError("malformed answer")

    def result(reply):
        if "error" in reply:
            raise_from(reply)
        return dec(reply["value"])

    def bind(override, missing):
        ns = get_ipython().user_ns
        wanted = [n for n in override if not isinstance(ns.get(n), types.ModuleType)]
        wanted += [n for n in missing if n not in ns and not hasattr(builtins, n) and n not in wanted]
        problems = []
        for name in wanted:
            try:
                reply = request({"op": "get", "name": name})
                if reply.get("absent"):
                    if name in override:
                        ns.pop(name, None)
                    continue
                ns[name] = result(reply)
            except Exception as exc:
                problems.append("%s: %s: %s" % (name, type(exc).__name__, exc))
        return json.dumps(problems)

    mod.bind = bind
    mod.StudentCodeError = StudentCodeError
    builtins.StudentCodeError = StudentCodeError


__mlhc_install(__SOCKET__)
del __mlhc_install
'''


def visible_part(source: str) -> str:
    """A test cell's source without its hidden-test regions (what the student was given)."""
    kept, inside = [], False
    for line in source.split("\n"):
        if BEGIN_HIDDEN in line:
            inside = True
        elif END_HIDDEN in line:
            inside = False
        elif not inside:
            kept.append(line)
    return "\n".join(kept)


def loaded_names(source: str) -> list[str]:
    """Every name a cell reads (including inside functions it defines), in order of appearance."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return []
    seen: dict[str, None] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load):
            seen.setdefault(node.id, None)
    return list(seen)


def bound_names(source: str) -> list[str]:
    """Names a cell binds at its top level (functions, classes, assignments), imports excluded."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return []
    names: dict[str, None] = {}
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.setdefault(node.name, None)
        elif isinstance(node, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                for sub in ast.walk(target):
                    if isinstance(sub, ast.Name):
                        names.setdefault(sub.id, None)
    return list(names)


def stored_names(source: str) -> set[str]:
    """Every name a cell binds anywhere (assignments, loops, ``def`` and its parameters, imports,
    ``except ... as``)."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return set()
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and isinstance(node.ctx, (ast.Store, ast.Del)):
            names.add(node.id)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            names.update((a.asname or a.name).split(".")[0] for a in node.names)
        elif isinstance(node, ast.ExceptHandler) and node.name:
            names.add(node.name)
        elif isinstance(node, ast.arg):
            names.add(node.arg)
    return names


class AnswerServer:
    """Serve the tests kernel's requests for answers, by asking the student kernel.

    Parameters
    ----------
    ask : coroutine function
        ``await ask(request_json, args) -> reply_json``: runs the student-side helper in the student
        kernel; ``args`` are a call's pickled arguments (raw bytes: no JSON or base64 on the way).
    events : list of str
        Where abnormal ends of student code during the tests are noted.
    """

    def __init__(self, ask, events: list[str]):
        self.ask = ask
        self.events = events
        self.server: asyncio.AbstractServer | None = None
        self._lock = asyncio.Lock()

    async def start(self, path: str) -> None:
        self.server = await asyncio.start_unix_server(self._handle, path=path)

    async def close(self) -> None:
        if self.server is not None:
            self.server.close()
            await self.server.wait_closed()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            (n,) = struct.unpack(">Q", await reader.readexactly(8))
            request = (await reader.readexactly(n)).decode()
            (n,) = struct.unpack(">Q", await reader.readexactly(8))
            args = await reader.readexactly(n)
            async with self._lock:
                reply = await self.ask(request, args)
            self._note(reply)
            data = reply.encode()
            writer.write(struct.pack(">Q", len(data)) + data)
            await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()

    def _note(self, reply: str) -> None:
        if '"error"' not in reply[:200]:
            return
        try:
            error = json.loads(reply)
        except ValueError:
            return
        if isinstance(error, dict) and error.get("type") in _ABNORMAL:
            self.events.append(f"abnormal end during the tests: the student's code raised {error['type']}")


_ABNORMAL = {"MemoryError", "SystemExit", "KeyboardInterrupt", "RecursionError", "GeneratorExit"}


def error_reply(ename: str, message: str) -> str:
    """A reply that makes the tests kernel raise ``ename(message)``."""
    return json.dumps({"error": ename, "type": ename, "message": message})


def parse_user_expression(reply: dict[str, Any] | None) -> str | None:
    """The JSON string the student-side helper returned, or None if the reply is unusable."""
    try:
        text = reply["content"]["user_expressions"]["r"]["data"]["text/plain"]
    except (KeyError, TypeError):
        return None
    if not isinstance(text, str) or len(text) > MAX_REPLY_BYTES * 2:
        return None
    if _plain_literal(text):
        return text[1:-1]  # as a large reply (base64 data) is: no need to compile it
    try:
        value = ast.literal_eval(text)
    except (ValueError, SyntaxError, MemoryError, RecursionError):
        return None
    return value if isinstance(value, str) else None


def student_call(request: str, args: str) -> str:
    """The user expression that runs the student-side helper on a request.

    The helper's source is executed only when the student kernel lacks it (the first call, or after
    the student's code deleted or changed it); otherwise the installed one is called directly.

    Parameters
    ----------
    request : str
        The request (JSON).
    args : str
        Python source of the call's pickled arguments: a literal (bytes, or a string in base64), or
        an expression that reads them from a file.

    Returns
    -------
    str
        One expression (no cell: the student's input transformers never see it).
    """
    installed = f"getattr(globals().get('__mlhc_rpc_handle'), 'mlhc_helper', None) == {STUDENT_HELPER_TAG!r}"
    fresh = f"exec({STUDENT_HELPER!r}, globals()) or __mlhc_rpc_handle"
    return f"(__mlhc_rpc_handle if {installed} else {fresh})({request!r}, {args})"


def write_request_file(folder: str, data: bytes, uid: int | None) -> str:
    """Write a request into a new file of a folder the student controls; return the file's path.

    The student may have filled the folder with files and symbolic links: the file gets an
    unguessable name and is created with ``O_CREAT | O_EXCL | O_NOFOLLOW`` relative to the folder
    (itself opened without following a link), so nothing already there is ever opened, let alone
    written through.

    Parameters
    ----------
    folder : str
        The student kernel's ipc folder (bound at the same path inside its sandbox).
    data : bytes
        What the file holds.
    uid : int or None
        The sandbox's uid, which gets the file, or None to leave it the grader's.

    Returns
    -------
    str
        The file's path, for :func:`remove_request_file`.

    Raises
    ------
    OSError
        If the file cannot be made; nothing is left behind then.
    """
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC
    name = f"mlhc-request-{secrets.token_hex(16)}"
    dir_fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC)
    try:
        fd = os.open(name, flags, 0o644, dir_fd=dir_fd)
        try:
            os.fchmod(fd, 0o644)  # whatever the umask: the sandbox's uid must read it
            if uid is not None:
                os.fchown(fd, uid, uid)
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view) :]
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(name, dir_fd=dir_fd)
            raise
        finally:
            os.close(fd)
    finally:
        os.close(dir_fd)
    return os.path.join(folder, name)


def remove_request_file(path: str) -> None:
    """Delete a file made by :func:`write_request_file` (the name only: a link is never followed)."""
    dir_fd = os.open(os.path.dirname(path), os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC)
    try:
        os.unlink(os.path.basename(path), dir_fd=dir_fd)
    except FileNotFoundError:  # the student's code may have deleted it
        pass
    finally:
        os.close(dir_fd)


def _plain_literal(text: str) -> bool:
    """Whether ``text`` is a string literal whose value is simply what lies between its quotes."""
    return (
        len(text) >= 2
        and text[0] == text[-1] == "'"
        and not any(c in text for c in "\\\n\r\0")
        and "'" not in text[1:-1]
    )
