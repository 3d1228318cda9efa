"""The HTTP side of the replay server: routing, fault injection, request logging."""

from __future__ import annotations

import contextlib
import json
import logging
import threading
import time
from collections.abc import Iterator, Sequence
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from eutils_replay import crossref, replies
from eutils_replay import faults as fault_kinds
from eutils_replay.endpoints import Eutils, Params, Reply
from eutils_replay.faults import FaultPlan, Faults
from eutils_replay.fixtures import FixtureIndex
from eutils_replay.requestlog import LoggedRequest, RequestLog

logger = logging.getLogger(__name__)

DEFAULT_BASE_PATH = "/entrez/eutils/"
_ENDPOINTS = {
    "efetch.fcgi": "efetch",
    "esearch.fcgi": "esearch",
    "elink.fcgi": "elink",
}


class ReplayServer(ThreadingHTTPServer):
    """A stand-in for NCBI E-utilities that serves PubMed records from fixture files."""

    daemon_threads = True

    def __init__(
        self,
        *,
        fixtures_dir: Path | str,
        host: str = "127.0.0.1",
        port: int = 0,
        base_path: str = DEFAULT_BASE_PATH,
        faults: Faults | None = None,
        log_path: Path | str | None = None,
    ) -> None:
        self.fixtures_dir = Path(fixtures_dir)
        self.index = FixtureIndex.from_directory(self.fixtures_dir)
        self.eutils = Eutils(self.index)
        self.crossref = crossref.CrossrefWorks.from_directory(self.fixtures_dir)
        self.log = RequestLog(log_path)
        self.base_path = "/" + base_path.strip("/") + "/" if base_path.strip("/") else "/"
        self.stopping = threading.Event()
        self._plan = FaultPlan(faults or Faults())
        super().__init__((host, port), ReplayHandler)

    @property
    def base_url(self) -> str:
        """Return the URL to use as EUTILS_BASE_URL, ending in a slash."""
        host, port = self.server_address[:2]
        return f"http://{host}:{port}{self.base_path}"

    @property
    def crossref_base_url(self) -> str:
        """Return the URL to use as CROSSREF_BASE_URL, ending in a slash."""
        host, port = self.server_address[:2]
        return f"http://{host}:{port}/crossref/"

    @property
    def requests(self) -> list[LoggedRequest]:
        """Return the requests answered so far, oldest first."""
        return self.log.entries()

    @property
    def faults(self) -> Faults:
        """Return the fault switches in force."""
        return self._plan.faults

    def set_faults(self, faults: Faults) -> None:
        """Replace the fault switches; "fail the first N" counts again from the next request."""
        self._plan = FaultPlan(faults)

    def next_fault(self, endpoint: str | None = None) -> str | None:
        """Return the fault to inject into the next request (to ``endpoint``), if any."""
        return self._plan.next_fault(endpoint)

    def choose_omitted(self, pmids: Sequence[int]) -> list[int]:
        """Return which of ``pmids`` an omitting efetch reply leaves out."""
        return self._plan.choose_omitted(pmids)

    def stop(self) -> None:
        """Stop serving, wake any deliberately slow replies, and close the socket."""
        self.stopping.set()
        self.shutdown()
        self.server_close()


@contextlib.contextmanager
def running_replay_server(
    fixtures_dir: Path | str,
    *,
    faults: Faults | None = None,
    base_path: str = DEFAULT_BASE_PATH,
    log_path: Path | str | None = None,
) -> Iterator[ReplayServer]:
    """Run a replay server on a free loopback port in a background thread, for tests.

    The server has ``.base_url`` (for EUTILS_BASE_URL), ``.requests`` (the request log) and
    ``.set_faults(...)``; it stops when the block ends.
    """
    server = ReplayServer(
        fixtures_dir=fixtures_dir, port=0, base_path=base_path, faults=faults, log_path=log_path
    )
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
    )
    thread.start()
    try:
        yield server
    finally:
        server.stop()
        thread.join(timeout=5)


class ReplayHandler(BaseHTTPRequestHandler):
    """Route one request to an E-utility, injecting the fault the server's plan picks."""

    server: ReplayServer
    server_version = "eutils_replay/1"

    def do_GET(self) -> None:
        self._handle(parse_qs(urlsplit(self.path).query, keep_blank_values=True))

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length).decode("utf-8", errors="replace") if length else ""
        # Bio.Entrez POSTs form-encoded bodies; parameters may also sit in the query string.
        params = parse_qs(urlsplit(self.path).query, keep_blank_values=True)
        for name, values in parse_qs(body, keep_blank_values=True).items():
            params.setdefault(name, []).extend(values)
        self._handle(params)

    def log_message(self, format: str, *args: object) -> None:
        # The request log holds what matters; keep stderr quiet for tests and `make run`.
        logger.debug("%s " + format, self.address_string(), *args)

    def _handle(self, params: Params) -> None:
        arrived = time.time()
        path = urlsplit(self.path).path
        server = self.server
        if path.rstrip("/") == server.base_path.rstrip("/"):
            banner = f"eutils_replay: {len(server.index)} PubMed records from {server.fixtures_dir}"
            self._send(200, banner.encode() + b"\n", "text/plain; charset=UTF-8")
            return
        if path.startswith(crossref.PREFIX):
            params = {**params, "_path": [path]}
            self._answer(arrived, "crossref", params, server.next_fault("crossref"))
            return
        name = path[len(server.base_path) :] if path.startswith(server.base_path) else None
        endpoint = _ENDPOINTS.get(name or "")
        if endpoint is None:
            self._log(arrived, path, 0, 404, None, params)
            self._send(404, b"Not Found\n", "text/plain; charset=UTF-8")
            return
        fault = server.next_fault(endpoint)
        self._answer(arrived, endpoint, params, fault)

    def _answer(self, arrived: float, endpoint: str, params: Params, fault: str | None) -> None:
        server = self.server
        if fault == fault_kinds.TOO_MANY_REQUESTS:
            limit = "10" if "api_key" in params else "3"
            body = json.dumps({"error": "API rate limit exceeded", "limit": limit}).encode()
            self._log(arrived, endpoint, _count_ids(params), 429, fault, params)
            self._send(429, body, "application/json", {"X-RateLimit-Limit": limit})
            return
        if fault == fault_kinds.SERVER_ERROR:
            self._log(arrived, endpoint, _count_ids(params), 500, fault, params)
            self._send(500, b"<html><body>Internal Server Error</body></html>\n", "text/html")
            return
        if endpoint == "crossref":
            reply = server.crossref.answer(params["_path"][0])  # no in-band <ERROR> at Crossref
        elif fault == fault_kinds.ERROR_REPLY:
            reply = Reply(
                replies.error_reply(endpoint, "Search Backend failed (injected by eutils_replay)"),
                ids=_count_ids(params),
            )
        elif fault == fault_kinds.OMIT:
            reply = server.eutils.answer(endpoint, params, omit=server.choose_omitted)
        else:
            reply = server.eutils.answer(endpoint, params)
        if fault == fault_kinds.OMIT and not reply.omitted:
            # Only an efetch of two or more records can lose some; anything else is served
            # whole and logged as normal, so counting "omit" in the log counts real omissions.
            fault = None
        self._log(
            arrived,
            endpoint,
            reply.ids,
            reply.status,
            fault,
            params,
            term=reply.term,
            omitted=reply.omitted,
        )
        if fault == fault_kinds.SLOW:
            server.stopping.wait(server.faults.slow_seconds)
        body = reply.body
        if fault == fault_kinds.TRUNCATED:
            body = body[: len(body) // 2]
        if fault == fault_kinds.DISCONNECT:
            # Promise the whole body, send half, hang up: the client sees an IncompleteRead.
            self._send(reply.status, body, reply.content_type, send_bytes=len(body) // 2)
            self.close_connection = True
            return
        self._send(reply.status, body, reply.content_type, reply.headers)

    def _log(
        self,
        arrived: float,
        endpoint: str,
        ids: int,
        status: int,
        fault: str | None,
        params: Params,
        term: str | None = None,
        omitted: tuple[int, ...] = (),
    ) -> None:
        # Logged before the reply is written, so a client that has its answer finds it logged.
        self.server.log.add(
            LoggedRequest(
                time=arrived,
                endpoint=endpoint,
                method=self.command,
                ids=ids,
                status=status,
                fault=fault,
                term=term,
                api_key="api_key" in params,
                omitted=omitted,
            )
        )

    def _send(
        self,
        status: int,
        body: bytes,
        content_type: str,
        headers: dict[str, str] | None = None,
        send_bytes: int | None = None,
    ) -> None:
        try:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(body if send_bytes is None else body[:send_bytes])
            self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            # The client gave up (a timeout test, usually); nothing left to tell it.
            self.close_connection = True


def _count_ids(params: Params) -> int:
    return sum(1 for value in params.get("id", []) for part in value.split(",") if part.strip())
