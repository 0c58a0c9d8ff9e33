"""Reading untrusted files in a child process with memory and time limits.

A hostile upload can make a native reader abort the whole interpreter (python-calamine
panics when asked for a 550 GB grid) or climb past the machine's memory. Run in the server's
own process, that ends the app for every user. So every upload and every backup is read in
a child process started by a *forkserver* (a small server process that imported the readers
once and forks a fresh child per read, so a read costs a fork, not a new interpreter):

* the child sets ``RLIMIT_AS`` (address space) and ``RLIMIT_CPU`` on itself, reads the file,
  and writes the pickled result (or the ``KgiError``) to a temporary file;
* the parent waits with a wall-clock timeout and kills the child when it runs over;
* a native abort, a ``MemoryError``, a kill by the kernel or a timeout becomes one
  ``KgiError`` naming the file, in both languages, and the server carries on.

:func:`run_isolated` is the one entry point; ``core.store``, ``core.backup`` and the Upload
page call it (through :func:`read_file_isolated` and friends). ``KGI_READ_ISOLATION=0``
runs the same code in-process (tests that monkeypatch the readers, benchmarks of the
in-process cost); nothing else changes.
"""

from __future__ import annotations

import contextlib
import importlib
import multiprocessing
import os
import pickle
import resource
import signal
import tempfile
import threading
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing import popen_forkserver, spawn
from multiprocessing.context import ForkServerProcess
from pathlib import Path
from typing import Any

from core.errors import KgiError

# Modules the forkserver imports once, so a forked child starts with them loaded.
PRELOAD = ["core.importing.reader", "core.importing.stream", "core.importing.tables", "core.backup", "pandas",
           "pyarrow"]


def _env_int(name: str, default: int) -> int:
    try:
        value = int(os.environ.get(name, ""))
    except ValueError:
        return default
    return value if value > 0 else default


@dataclass(frozen=True)
class Limits:
    """What one read may use: address space (MB), CPU seconds and wall-clock seconds."""

    memory_mb: int = 2048
    cpu_seconds: int = 150
    wall_seconds: int = 180

    @classmethod
    def from_env(cls) -> Limits:
        """``KGI_READ_MEMORY_MB``, ``KGI_READ_CPU_SECONDS``, ``KGI_READ_WALL_SECONDS`` override."""
        base = cls()
        return cls(
            memory_mb=_env_int("KGI_READ_MEMORY_MB", base.memory_mb),
            cpu_seconds=_env_int("KGI_READ_CPU_SECONDS", base.cpu_seconds),
            wall_seconds=_env_int("KGI_READ_WALL_SECONDS", base.wall_seconds),
        )


def isolation_enabled() -> bool:
    """False only when ``KGI_READ_ISOLATION=0`` (in-process reads for tests and benchmarks)."""
    return os.environ.get("KGI_READ_ISOLATION", "1") != "0"


last_read = threading.local()  # .peak_mb: the peak memory of this thread's last child read
_context_lock = threading.Lock()
_context: Any = None


def _mp_context() -> Any:
    """The forkserver context, with the readers preloaded (created once per process)."""
    global _context
    with _context_lock:
        if _context is None:
            ctx = multiprocessing.get_context("forkserver")
            ctx.set_forkserver_preload(PRELOAD)
            _context = ctx
        return _context


def run_isolated(func: Callable[..., Any], *args: Any, file_name: str = "", limits: Limits | None = None,
                 **kwargs: Any) -> Any:
    """``func(*args, **kwargs)`` in a limited child process; its result or its ``KgiError``.

    ``func`` must be a module-level function (it is named, not pickled). Other exceptions
    raised by ``func`` are raised again here as they were (when they can be pickled). Raises
    ``KgiError("import.safety.memory" | "import.safety.time" | "import.safety.crashed")``
    when the child runs out of memory, of time, or dies.
    """
    if not isolation_enabled():
        return func(*args, **kwargs)
    limits = limits or Limits.from_env()
    target = f"{func.__module__}:{func.__qualname__}"
    with tempfile.TemporaryDirectory(prefix="kgi-read-") as work:
        call_path, result_path = Path(work, "call.pkl"), Path(work, "result.pkl")
        with call_path.open("wb") as fh:
            pickle.dump((target, args, kwargs), fh, protocol=pickle.HIGHEST_PROTOCOL)
        _mp_context()  # the forkserver (shared by the process) preloads the readers
        proc = _IsolatedProcess(target=_child, args=(str(call_path), str(result_path), limits), daemon=True)
        proc.start()
        proc.join(limits.wall_seconds)
        if proc.is_alive():
            _kill(proc)
            raise KgiError("import.safety.time", file=file_name, seconds=limits.wall_seconds)
        return _outcome(proc.exitcode, result_path, file_name, limits)


class _Popen(popen_forkserver.Popen):
    """The forkserver's Popen, minus one step: re-running the parent's main module.

    multiprocessing makes each child import the parent's ``__main__`` again (as
    ``__mp_main__``): for the app its launcher, for a script the whole script. Slow at best,
    and the caller's code must not run in the child. The child needs only ``_child`` and the
    readers, which the forkserver preloaded; so the main-module entries are left out of the
    preparation data it receives (``popen_forkserver`` of Python 3.11-3.13).
    """

    def _launch(self, process_obj: Any) -> None:
        original = spawn.get_preparation_data

        def without_main(name: str) -> dict[str, Any]:
            data = original(name)
            data.pop("init_main_from_name", None)
            data.pop("init_main_from_path", None)
            return data

        with _launch_lock:
            spawn.get_preparation_data = without_main
            try:
                super()._launch(process_obj)
            finally:
                spawn.get_preparation_data = original


class _IsolatedProcess(ForkServerProcess):
    @staticmethod
    def _Popen(process_obj: Any) -> Any:  # noqa: N802 - multiprocessing's name
        return _Popen(process_obj)


_launch_lock = threading.Lock()


def _kill(proc: Any) -> None:
    with contextlib.suppress(OSError, AttributeError):
        proc.kill()
    proc.join(5)


def _outcome(exitcode: int | None, result_path: Path, file_name: str, limits: Limits) -> Any:
    """The child's pickled answer, or the reason it gave none."""
    if exitcode == 0 and result_path.exists():
        with result_path.open("rb") as fh:
            kind, value, peak = pickle.load(fh)
        last_read.peak_mb = peak
        if kind == "ok":
            return value
        if kind == "memory":
            raise KgiError("import.safety.memory", file=file_name, limit_mb=_mb(limits.memory_mb))
        raise value
    if exitcode == -signal.SIGXCPU:
        raise KgiError("import.safety.time", file=file_name, seconds=limits.cpu_seconds)
    if exitcode == -signal.SIGKILL:  # the kernel's OOM killer
        raise KgiError("import.safety.memory", file=file_name, limit_mb=_mb(limits.memory_mb))
    raise KgiError("import.safety.crashed", file=file_name, code=str(exitcode))


def _mb(megabytes: int) -> str:
    from core.importing.limits import MB, mb

    return mb(megabytes * MB)


def _set_limits(limits: Limits) -> None:
    memory = limits.memory_mb * 1024 * 1024
    with contextlib.suppress(ValueError, OSError):
        resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    with contextlib.suppress(ValueError, OSError):
        # SIGXCPU at the soft limit (the default action ends the process), SIGKILL at the hard.
        resource.setrlimit(resource.RLIMIT_CPU, (limits.cpu_seconds, limits.cpu_seconds + 5))
    with contextlib.suppress(ValueError, OSError):
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))  # an abort leaves no core file behind


def _resolve(target: str) -> Callable[..., Any]:
    module, _, qualname = target.partition(":")
    obj: Any = importlib.import_module(module)
    for part in qualname.split("."):
        obj = getattr(obj, part)
    return obj


def _child(call_path: str, result_path: str, limits: Limits) -> None:
    """Runs in the forked child: limits, the call, its answer written to ``result_path``."""
    _set_limits(limits)
    os.environ["RUST_BACKTRACE"] = "0"  # a native panic says one line, not a page of frames
    with open(call_path, "rb") as fh:
        target, args, kwargs = pickle.load(fh)
    try:
        answer: tuple[str, Any] = ("ok", _resolve(target)(*args, **kwargs))
    except MemoryError:
        answer = ("memory", None)
    except Exception as exc:  # sent back to be raised again in the parent
        answer = ("error", exc)
    answer = (*answer, _peak_mb())
    try:
        _write(result_path, answer)
    except MemoryError:
        _write(result_path, ("memory", None, _peak_mb()))
    except (pickle.PicklingError, TypeError, AttributeError) as exc:
        _write(result_path, ("error", RuntimeError(f"{type(exc).__name__}: {exc}"), _peak_mb()))


def _peak_mb() -> float:
    """This process's peak resident memory (``VmHWM``, which a fork does not inherit)."""
    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def warm_up() -> None:
    """Start the forkserver now (it imports the readers once: a few seconds), so the first
    upload does not wait for it. Safe to call more than once."""
    if isolation_enabled():
        run_isolated(_nothing)


def _nothing() -> None:
    return None


def _write(path: str, answer: tuple[Any, ...]) -> None:
    tmp = path + ".part"
    with open(tmp, "wb") as fh:
        pickle.dump(answer, fh, protocol=pickle.HIGHEST_PROTOCOL)
    os.replace(tmp, path)


# --- the calls the app makes ----------------------------------------------------------------


def read_file_isolated(data: bytes | Path, file_name: str, **kwargs: Any) -> Any:
    """``core.importing.read_file`` in a limited child: the ``ParsedFile`` or a ``KgiError``.

    ``data`` is the file's bytes, or the path of a file on disk (read in the child with a
    byte cap after a regular-file check, so the parent never holds a runaway read).
    """
    spill_dir = kwargs.get("spill_dir")
    if spill_dir:
        from core.importing.stream import stream_min_bytes

        # Decided here, where the settings are read (the forkserver's children see the
        # environment it started with).
        kwargs.setdefault("stream_min", stream_min_bytes())
    if isinstance(data, bytes) and spill_dir and isolation_enabled() and len(data) >= kwargs["stream_min"]:
        # A file large enough to be read in chunks goes to the child as a file, so the child
        # never unpickles (and holds) all of it.
        with tempfile.NamedTemporaryFile(dir=spill_dir, prefix="upload-") as fh:
            fh.write(data)
            fh.flush()
            return run_isolated(_read_file, Path(fh.name), file_name, file_name=file_name, **kwargs)
    return run_isolated(_read_file, data, file_name, file_name=file_name, **kwargs)


def _read_file(data: bytes | Path, file_name: str, **kwargs: Any) -> Any:
    from core.importing.reader import DEFAULT_MAX_BYTES, read_file
    from core.importing.stream import read_export

    if isinstance(data, Path):
        check_path(data, kwargs.get("max_bytes", DEFAULT_MAX_BYTES))
    try:
        if kwargs.get("spill_dir"):
            return read_export(data, file_name, **kwargs)
        kwargs.pop("stream_min", None)
        return read_file(data, file_name, **kwargs)
    except OSError as exc:  # the file went away or could not be read
        raise KgiError("store.cli.no_file", path=str(data) if isinstance(data, Path) else file_name,
                       reason=exc.strerror or type(exc).__name__) from None


def check_path(path: Path, max_bytes: int) -> None:
    """A regular file within ``max_bytes`` (else ``KgiError``), checked before any read."""
    from core.importing.limits import check_file

    try:
        check_file(path, max_bytes)
    except OSError as exc:
        raise KgiError("store.cli.no_file", path=str(path), reason=exc.strerror or type(exc).__name__) from None


def read_path(path: Path, max_bytes: int) -> bytes:
    """A file's bytes for an import: a regular file, at most ``max_bytes`` (else ``KgiError``)."""
    from core.importing.limits import read_capped

    try:
        return read_capped(path, max_bytes)
    except OSError as exc:
        raise KgiError("store.cli.no_file", path=str(path), reason=exc.strerror or type(exc).__name__) from None
