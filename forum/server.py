"""`forum serve`: uvicorn, one process per worker, each listening on its own socket.

uvicorn's own multi-worker mode hands one listening socket to every worker, and a burst of new
connections is taken by whichever worker wakes first, often all of them: in the core benchmark
all 8 keep-alive connections landed on one of two workers while the other sat idle. Here every
worker binds its own socket with SO_REUSEPORT, and the kernel spreads new connections across
them. The parent only supervises: it restarts a worker that dies and stops them all on SIGINT or
SIGTERM (each worker then finishes its requests, as uvicorn does on its own).
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import signal
import socket
import time
from multiprocessing.process import BaseProcess
from typing import Any

import uvicorn

log = logging.getLogger("forum")

APP = "forum.app:app_factory"
UVICORN_OPTIONS: dict[str, Any] = {"factory": True, "log_level": "warning", "access_log": False,
                                   "proxy_headers": True}


def serve(host: str, port: int, workers: int) -> None:
    """Serve until interrupted; with several workers, each gets its own listening socket."""
    if workers <= 1 or not hasattr(socket, "SO_REUSEPORT"):
        uvicorn.run(APP, host=host, port=port, workers=workers, **UVICORN_OPTIONS)
        return
    _Supervisor(host, port, workers).run()


def listening_socket(host: str, port: int) -> socket.socket:
    """A socket that shares its port with the other workers' (the kernel balances between them)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind((host, port))
    sock.set_inheritable(True)
    return sock


def _worker(host: str, port: int) -> None:
    sock = listening_socket(host, port)
    config = uvicorn.Config(APP, host=host, port=port, **UVICORN_OPTIONS)
    uvicorn.Server(config).run(sockets=[sock])


class _Supervisor:
    def __init__(self, host: str, port: int, workers: int) -> None:
        self.host, self.port, self.count = host, port, workers
        self.context = multiprocessing.get_context("spawn")
        self.workers: list[BaseProcess] = []
        self.stopping = False

    def _start_one(self) -> BaseProcess:
        process = self.context.Process(target=_worker, args=(self.host, self.port), daemon=False)
        process.start()
        return process

    def _stop(self, *_: Any) -> None:
        self.stopping = True

    def run(self) -> None:
        # Fail here, in the foreground, if anything holds the port already: a plain bind refuses
        # even another server's SO_REUSEPORT group, which the workers would otherwise join.
        family = socket.AF_INET6 if ":" in self.host else socket.AF_INET
        with socket.socket(family, socket.SOCK_STREAM) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            probe.bind((self.host, self.port))
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, self._stop)
        self.workers = [self._start_one() for _ in range(self.count)]
        try:
            while not self.stopping:
                for index, process in enumerate(self.workers):
                    if not process.is_alive() and not self.stopping:
                        log.warning("worker %s stopped (exit code %s); starting another", process.pid,
                                    process.exitcode)
                        self.workers[index] = self._start_one()
                time.sleep(0.5)
        finally:
            for process in self.workers:
                if process.is_alive() and process.pid is not None:
                    with contextlib.suppress(ProcessLookupError):
                        process.terminate()  # SIGTERM: uvicorn finishes what it is serving
            for process in self.workers:
                process.join(timeout=30)
                if process.is_alive():
                    process.kill()
