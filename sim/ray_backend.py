"""Evaluation runs as Ray tasks, on a local Ray started here or on a cluster at an address.

Needs the optional ``ray`` (``pip install 'cerebellum[ray]'``). Each run is one task
(``num_cpus=1``) that calls :func:`cerebellum.sim.evaluate.run_task` in a Ray worker process with
single-threaded BLAS/OpenMP, as the local pool does; its record comes back to this process, which
appends it to ``runs.jsonl``, so the results files are those of the local pool. A run's own folder
(metrics.json, logs) is written by the worker under the same output path: on a cluster that is
the node that ran it, unless the path is on a filesystem the nodes share. Every node needs the
same cerebellum installed.
"""

from __future__ import annotations

import logging
import os
import time
from collections import deque
from collections.abc import Callable
from pathlib import Path
from typing import Any

from cerebellum.errors import CerebellumError

__all__ = ["RayCluster", "RayUnavailableError", "ray_module"]

# Plasma store of a local Ray: records are a few kB, Ray's default (30 % of the RAM) is a waste.
_LOCAL_OBJECT_STORE_BYTES = 128 * 1024**2
# ray.wait's poll period, s: Ctrl-C and SIGTERM are seen between two waits.
_POLL_S = 0.5


class RayUnavailableError(CerebellumError, ImportError):
    """The optional ray package is not installed, or the cluster cannot be reached."""


def ray_module():
    """The ``ray`` module, or :class:`RayUnavailableError` saying which extra to install."""
    try:
        import ray
    except ImportError:
        raise RayUnavailableError(
            "--backend ray needs the optional package ray: pip install 'cerebellum[ray]'"
        ) from None
    return ray


def _run_on_worker(task, out_dir: str) -> dict[str, Any]:
    """The Ray task: one run, its record (exceptions are failed records already)."""
    from cerebellum.sim.evaluate import run_task

    return run_task(task, out_dir)


class RayCluster:
    """A connection to Ray: ``address`` None starts a local Ray with ``num_cpus`` CPUs (shut down
    by :meth:`close`); else connects to the cluster there ("auto": the one this machine runs, or
    "ray://HOST:10001" through Ray Client). A Ray already initialised in this process is used."""

    def __init__(self, address: str | None = None, num_cpus: int | None = None):
        from cerebellum.sim.evaluate import THREAD_VARS, _child_environment

        ray = ray_module()
        self._ray = ray
        address = address or os.environ.get("RAY_ADDRESS") or None  # Ray's own convention
        self._owned = False
        if not ray.is_initialized():
            quiet = dict(logging_level=logging.WARNING, log_to_driver=False)
            try:
                if address is None:
                    # local: the workers inherit this environment (single-threaded BLAS)
                    with _child_environment():
                        ray.init(
                            num_cpus=num_cpus,
                            include_dashboard=False,
                            object_store_memory=_LOCAL_OBJECT_STORE_BYTES,
                            **quiet,
                        )
                    self._owned = True
                else:
                    env = {k: "1" for k in THREAD_VARS}
                    ray.init(address=address, runtime_env={"env_vars": env}, **quiet)
            except (ConnectionError, RuntimeError, ValueError) as e:
                where = f"the Ray cluster at {address}" if address else "a local Ray"
                raise RayUnavailableError(f"cannot start or reach {where}: {e}") from None
        self._remote = ray.remote(num_cpus=1, max_retries=0)(_run_on_worker)

    def __enter__(self) -> RayCluster:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        """Shuts down the local Ray this object started (a cluster is left running)."""
        if self._owned and self._ray.is_initialized():
            self._ray.shutdown()
        self._owned = False

    def run(
        self,
        todo: deque,
        out: Path,
        workers: int,
        timeout_s: float | None,
        finish: Callable[[dict[str, Any]], bool],
    ) -> None:
        """Runs ``todo`` with at most ``workers`` tasks in flight; ``finish(rec)`` per run (True:
        stop). A run past ``timeout_s`` since it was submitted is cancelled (its worker killed)
        and recorded as timed out; a task whose worker died is recorded as failed. Tasks still
        in flight are cancelled on the way out, also on KeyboardInterrupt."""
        from cerebellum.sim.evaluate import _record, _timed_out

        ray = self._ray
        running: dict[Any, tuple[Any, float]] = {}  # ObjectRef -> (task, submitted at)
        out_dir = str(Path(out).resolve())
        try:
            while todo or running:
                while todo and len(running) < workers:
                    task = todo.popleft()
                    running[self._remote.remote(task, out_dir)] = (task, time.perf_counter())
                wait_s = _POLL_S
                if timeout_s is not None:
                    now = time.perf_counter()
                    first = min(t0 + timeout_s - now for _, t0 in running.values())
                    wait_s = min(wait_s, max(0.0, first))
                ready, _ = ray.wait(list(running), num_returns=1, timeout=wait_s)
                for ref in ready:
                    task, t0 = running.pop(ref)
                    try:
                        rec = ray.get(ref)
                    except Exception as e:  # noqa: BLE001 - a lost worker is a failed run
                        rec = _record(task, None)
                        rec.update(
                            reason=f"Ray task failed ({type(e).__name__}: {str(e)[:300]})",
                            error=True,
                            wall_time_s=time.perf_counter() - t0,
                            finished_at=time.strftime("%Y-%m-%dT%H:%M:%S%z"),
                        )
                    if finish(rec):
                        return
                if timeout_s is None:
                    continue
                now = time.perf_counter()
                for ref, (task, t0) in list(running.items()):
                    if now - t0 >= timeout_s:
                        running.pop(ref)
                        ray.cancel(ref, force=True)
                        if finish(_timed_out(task, timeout_s, now - t0)):
                            return
        finally:
            for ref in running:
                try:
                    ray.cancel(ref, force=True)
                except Exception:  # noqa: BLE001, S110 - already finished or gone
                    pass
