"""The local, read-only web UI: a Starlette app over one workspace opened read-only.

Every page is server-rendered HTML (Jinja2, autoescape on) and has a ``.csv`` twin (its rows) and
a ``.json`` twin with the shape documented in docs/web.md::

    {"page", "title", "workspace", "ioscope_version", "data", "pagination", "queries"}

Errors use the CLI's envelope ``{"error": {"code", "message", "hint"}}`` with HTTP 400 (bad
parameter or malformed id), 404 (no such page, cluster, account), 503 (another command is
writing the workspace) or 500. Responses carry a strict
Content-Security-Policy (scripts and styles only from ``/static``), and requests whose Host is not
the bound address are refused (DNS-rebinding defence).
"""

from __future__ import annotations

import os
import sys
import threading
import time
import traceback
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

import duckdb
from starlette.applications import Starlette
from starlette.datastructures import MutableHeaders
from starlette.middleware import Middleware
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from ioscope import __version__
from ioscope.csvrows import csv_text
from ioscope.errors import (
    IncompatibleWorkspaceError,
    IoscopeError,
    NotFoundError,
    ParameterError,
    UsageError,
)
from ioscope.jsonenc import dumps, jsonable
from ioscope.params import validate_params
from ioscope.report.render import html_env, static_text
from ioscope.report.summaries import Summaries
from ioscope.report.trace import Tracer
from ioscope.web.pages import PAGES, Page, cluster_page
from ioscope.web.sqlbox import EXAMPLE, SQL_PARAMS, run_select
from ioscope.workspace import Workspace, waiting_path

__all__ = ["create_app", "CSP", "LOCAL_HOSTS"]

CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
SECURITY_HEADERS = {
    "content-security-policy": CSP,
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "x-frame-options": "DENY",
    "cross-origin-resource-policy": "same-origin",
}
LOCAL_HOSTS = ["127.0.0.1", "localhost", "::1", "[::1]"]


class _SecurityHeaders:
    """Adds :data:`SECURITY_HEADERS` to every HTTP response, errors and static files included."""

    def __init__(self, app: Any):
        self.app = app

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: dict) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for k, v in SECURITY_HEADERS.items():
                    headers[k] = v
            await send(message)

        await self.app(scope, receive, send_with_headers)


class _Busy(IoscopeError):
    """Another process is writing the workspace (ingest, detect, …): try again shortly."""

    code = "busy"


class _UI:
    """Renders pages over short-lived read-only connections, so that serving never locks
    writers out: the connection (with the summary tables built on it) is kept while requests
    come, closed after :attr:`IDLE` seconds without one, and closed at once when a command
    announces it waits for the workspace (``<workspace>.waiting``, see
    :meth:`Workspace.open`). The next request opens a fresh connection and so sees the new run.
    While a command writes, pages answer 503 (code ``busy``)."""

    IDLE = 30.0

    def __init__(self, path: str):
        self.path = path
        Workspace.open(path, read_only=True, create=False, lock_wait=30).close()  # fail early
        self.ws: Workspace | None = None
        self.summaries: Summaries | None = None
        self.last_used = 0.0
        self.opened = 0  # connections opened so far (the JSON of /method says it)
        self.lock = threading.Lock()
        self.env = html_env("ioscope.web", "ioscope.report").overlay()
        self.env.globals = dict(
            self.env.globals,
            account_url=account_url,
            cluster_url=cluster_url,
            cluster_href=cluster_url,
            advertiser_url=advertiser_url,
            version=__version__,
            workspace=path,
        )
        threading.Thread(target=self._let_go, name="ioscope-serve-idle", daemon=True).start()

    # -- the connection ---------------------------------------------------------------------
    def _writer_waiting(self) -> bool:
        return os.path.exists(waiting_path(self.path))

    def _connection(self) -> Workspace:
        """The open read-only workspace (opened when needed); call under :attr:`lock`."""
        if self.ws is not None and self._writer_waiting():
            self._close()
        if self.ws is None:
            if self._writer_waiting():
                raise _busy()
            try:
                self.ws = Workspace.open(self.path, read_only=True, create=False, lock_wait=2)
            except IncompatibleWorkspaceError as e:
                if "another process" in e.message:
                    raise _busy() from None
                raise
            self.summaries = Summaries(self.ws)
            self.opened += 1
        self.last_used = time.monotonic()
        return self.ws

    def _close(self) -> None:
        if self.ws is not None:
            self.ws.close()
        self.ws, self.summaries = None, None

    def _let_go(self) -> None:
        while True:
            time.sleep(0.2)
            if self.ws is None:
                continue
            if self._writer_waiting() or time.monotonic() - self.last_used > self.IDLE:
                if self.lock.acquire(timeout=0.1):
                    try:
                        if self.ws is not None and (
                            self._writer_waiting() or time.monotonic() - self.last_used > self.IDLE
                        ):
                            self._close()
                    finally:
                        self.lock.release()

    # -- requests -----------------------------------------------------------------------------
    def handle(self, request: Request) -> Response:
        path = request.url.path
        kind = "html"
        for ext in (".json", ".csv"):
            if path.endswith(ext):
                kind, path = ext[1:], path[: -len(ext)] or "/"
        if path in ("/index", ""):
            path = "/"
        try:
            if request.method not in ("GET", "HEAD"):
                raise _MethodError(f"{request.method} is not allowed: the web UI is read-only.")
            with self.lock:
                if path == "/sql":
                    page, tr = self._sql(request)
                    if kind == "html" and page.data.get("error"):  # keep the query in the box
                        return self._html(page, tr, request, status=400)
                else:
                    ws = self._connection()
                    tr = Tracer(ws, summaries=self.summaries)
                    if path.startswith("/clusters/") and path.count("/") == 2:
                        page = cluster_page(tr, request.query_params, _cluster_id(path))
                    elif path in PAGES:
                        page = PAGES[path](tr, request.query_params)
                    else:
                        raise NotFoundError(
                            f"No page {path!r}.", hint="Start from / (the overview)."
                        )
                if kind == "json":
                    return self._json(page, tr)
                if kind == "csv":
                    return self._csv(page)
                return self._html(page, tr, request)
        except Exception as e:  # every failure becomes the one error envelope
            return self._error(e, kind)

    def _sql(self, request: Request) -> tuple[Page, Tracer | None]:
        p = validate_params(SQL_PARAMS, dict(request.query_params), "/sql")
        data: dict[str, Any] = {
            "sql": p["sql"],
            "limit": p["limit"],
            "example": EXAMPLE,
            "result": None,
            "error": None,
        }
        if p["sql"].strip():
            self._close()  # the SQL box runs on its own locked-down connection
            if self._writer_waiting():
                raise _busy()
            try:
                data["result"] = run_select(self.path, p["sql"], p["limit"])
            except duckdb.IOException as e:
                if "lock" in str(e).lower():
                    raise _busy() from None
                raise
            except UsageError as e:
                if request.url.path.endswith((".json", ".csv")):
                    raise
                data["error"] = e.to_dict()["error"]
        return Page("sql", "sql.html.j2", "SQL", data), None

    def _json(self, page: Page, tr: Tracer | None) -> Response:
        body = {
            "page": page.name,
            "title": page.title,
            "workspace": self.path,
            "ioscope_version": __version__,
            "data": jsonable(page.data),
            "pagination": page.pagination,
            "queries": [q.to_dict() for q in tr.queries] if tr else [],
        }
        return Response(dumps(body), media_type="application/json")

    def _csv(self, page: Page) -> Response:
        rows = _csv_rows(page)
        return Response(
            csv_text(rows),
            media_type="text/csv; charset=utf-8",
            headers={"content-disposition": f'inline; filename="{page.name}.csv"'},
        )

    def _html(self, page: Page, tr: Tracer | None, request: Request, status: int = 200) -> Response:
        params = dict(request.query_params)

        def page_url(n: int) -> str:
            return request.url.path + "?" + urlencode({**params, "page": n})

        base = "/index" if request.url.path == "/" else request.url.path
        query = "?" + urlencode(params) if params else ""
        html = self.env.get_template(page.template).render(
            page=page,
            d=page.data,
            pagination=page.pagination,
            queries=tr.queries if tr else [],
            page_url=page_url,
            json_url=base + ".json" + query,
            csv_url=base + ".csv" + query,
            params=params,
        )
        return HTMLResponse(html, status_code=status)

    def _error(self, e: Exception, kind: str) -> Response:
        headers = {}
        if isinstance(e, IoscopeError):
            status = (
                404
                if isinstance(e, NotFoundError)
                else 405
                if isinstance(e, _MethodError)
                else 503
                if isinstance(e, _Busy)
                else 400
                if isinstance(e, UsageError)
                else 500
            )
            envelope = e.to_dict()
            if status == 503:
                headers["retry-after"] = "5"
        else:
            traceback.print_exc(file=sys.stderr)
            status = 500
            envelope = {
                "error": {
                    "code": "internal",
                    "message": f"{type(e).__name__}: {e}",
                    "hint": "This is a bug in ioscope; please report it with the page address.",
                }
            }
        if kind in ("json", "csv"):
            return Response(
                dumps(envelope), status_code=status, media_type="application/json", headers=headers
            )
        html = self.env.get_template("error.html.j2").render(
            error=envelope["error"], status_code=status, page=None
        )
        return HTMLResponse(html, status_code=status, headers=headers)


def _busy() -> _Busy:
    return _Busy(
        "The workspace is being written by another command (ingest, detect, …).",
        hint="This page works again as soon as it finishes; reload in a few seconds.",
    )


def _cluster_id(path: str) -> str:
    raw = path.split("/")[2]
    if not raw.isdigit() or len(raw) > 9:
        raise ParameterError(
            f"The cluster id in /clusters/{{cluster_id}} must be a positive "
            f"integer. Got {raw[:40]!r} instead.",
            hint="Cluster ids are the numbers listed on /clusters.",
        )
    return raw


#: The rows of a page's ``.csv`` twin: a key of its data (default: its first list of rows). The
#: network page's rows are its clusters at cluster level (``view=clusters``) and its edges at
#: account level (``view=accounts``).
CSV_ROWS = {
    "overview": "campaigns.clusters",
    "clusters": "clusters",
    "cluster": "members",
    "network": "edges",
    "network.clusters": "nodes",
    "accounts": "accounts",
    "ads": "advertisers",
    "method": "runs",
    "sql": "result.rows",
}


def _csv_rows(page: Page) -> list[dict[str, Any]]:
    d: Any = page.data
    name = page.name
    if name == "network" and isinstance(d, dict) and d.get("level") == "clusters":
        name = "network.clusters"
    if name in CSV_ROWS:
        for part in CSV_ROWS[name].split("."):
            d = (d or {}).get(part) if isinstance(d, dict) else None
        return d or []
    for v in d.values():
        if isinstance(v, list) and v and isinstance(v[0], dict):
            return v
    return [{k: v for k, v in d.items() if not isinstance(v, (list, dict))}]


class _MethodError(UsageError):
    """A request other than GET/HEAD: the UI never changes the workspace."""

    code = "method_not_allowed"


def account_url(platform: Any, account_id: Any) -> str:
    return "/account?" + urlencode({"platform": str(platform), "id": str(account_id)})


def advertiser_url(platform: Any, advertiser_id: Any) -> str:
    return "/advertiser?" + urlencode(
        {"platform": str(platform), "id": "" if advertiser_id is None else str(advertiser_id)}
    )


def cluster_url(cluster_id: Any) -> str:
    return "/clusters/" + quote(str(cluster_id), safe="")


def create_app(workspace: str | Path, *, host: str = "127.0.0.1") -> Starlette:
    """The ASGI app serving ``workspace`` read-only. ``host`` is the address it is bound to:
    requests naming any other host are refused, unless it is a wildcard address."""
    ui = _UI(str(workspace))
    hosts = ["*"] if host in ("0.0.0.0", "::", "") else sorted(set(LOCAL_HOSTS + [host]))
    css = static_text("ioscope.report", "templates/report.css")

    def report_css(request: Request) -> Response:
        return Response(css, media_type="text/css")

    app = Starlette(
        routes=[
            Mount("/static", app=StaticFiles(packages=[("ioscope.web", "static")])),
            Route("/assets/report.css", report_css),
            Route(
                "/{path:path}", ui.handle, methods=["GET", "HEAD", "POST", "PUT", "DELETE", "PATCH"]
            ),
        ],
        middleware=[
            Middleware(_SecurityHeaders),
            Middleware(TrustedHostMiddleware, allowed_hosts=hosts),
        ],
    )
    app.state.ui = ui
    return app
