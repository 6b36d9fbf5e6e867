"""The local, read-only web UI: a Starlette app over one workspace opened read-only.

Every page is server-rendered HTML (Jinja2, autoescape on) and has a ``.json`` twin with the shape
documented in docs/web.md::

    {"page", "title", "workspace", "ioscope_version", "data", "pagination", "queries"}

Errors use the CLI's envelope ``{"error": {"code", "message", "hint"}}`` with HTTP 400 (bad
parameter), 404 (no such page, cluster, account) or 500. Responses carry a strict
Content-Security-Policy (scripts and styles only from ``/static``), and requests whose Host is not
the bound address are refused (DNS-rebinding defence).
"""

from __future__ import annotations

import json
import sys
import threading
import traceback
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

from starlette.applications import Starlette
from starlette.datastructures import MutableHeaders
from starlette.middleware import Middleware
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from ioscope import __version__
from ioscope.errors import IoscopeError, NotFoundError, UsageError
from ioscope.report.render import html_env, static_text, to_jsonable
from ioscope.report.summaries import Summaries
from ioscope.report.trace import Tracer
from ioscope.web.pages import PAGES, Page, cluster_page
from ioscope.workspace import Workspace

__all__ = ["create_app", "CSP", "LOCAL_HOSTS"]

CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
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


class _UI:
    """The workspace connection (one, read-only, used under a lock) and the renderer."""

    def __init__(self, path: str):
        self.path = path
        self.ws = Workspace.open(path, read_only=True)
        self.summaries = Summaries(self.ws)
        self.lock = threading.Lock()
        self.env = html_env("ioscope.web", "ioscope.report").overlay()
        self.env.globals = dict(self.env.globals, account_url=account_url,
                                cluster_url=cluster_url, cluster_href=cluster_url, advertiser_url=advertiser_url,
                                version=__version__, workspace=path)

    def handle(self, request: Request) -> Response:
        path = request.url.path
        as_json = path.endswith(".json")
        if as_json:
            path = path[: -len(".json")] or "/"
        if path in ("/index", ""):
            path = "/"
        try:
            if request.method not in ("GET", "HEAD"):
                raise _MethodError(f"{request.method} is not allowed: the web UI is read-only.")
            with self.lock:
                tr = Tracer(self.ws, summaries=self.summaries)
                if path.startswith("/clusters/") and path.count("/") == 2:
                    page = cluster_page(tr, request.query_params, path.split("/")[2])
                elif path in PAGES:
                    page = PAGES[path](tr, request.query_params)
                else:
                    raise NotFoundError(f"No page {path!r}.",
                                        hint="Start from / (the overview).")
                return self._json(page, tr) if as_json else self._html(page, tr, request)
        except Exception as e:  # every failure becomes the one error envelope
            return self._error(e, as_json)

    def _json(self, page: Page, tr: Tracer) -> Response:
        body = {"page": page.name, "title": page.title, "workspace": self.path,
                "ioscope_version": __version__, "data": to_jsonable(page.data),
                "pagination": page.pagination, "queries": [q.to_dict() for q in tr.queries]}
        return Response(json.dumps(body, ensure_ascii=False), media_type="application/json")

    def _html(self, page: Page, tr: Tracer, request: Request) -> Response:
        params = dict(request.query_params)

        def page_url(n: int) -> str:
            return request.url.path + "?" + urlencode({**params, "page": n})

        json_url = ("/index" if request.url.path == "/" else request.url.path) + ".json" + (
            "?" + urlencode(params) if params else "")
        html = self.env.get_template(page.template).render(
            page=page, d=page.data, pagination=page.pagination, queries=tr.queries,
            page_url=page_url, json_url=json_url, params=params)
        return HTMLResponse(html)

    def _error(self, e: Exception, as_json: bool) -> Response:
        if isinstance(e, IoscopeError):
            status = 404 if isinstance(e, NotFoundError) else 405 if isinstance(
                e, _MethodError) else 400 if isinstance(e, UsageError) else 500
            envelope = e.to_dict()
        else:
            traceback.print_exc(file=sys.stderr)
            status = 500
            envelope = {"error": {"code": "internal", "message": f"{type(e).__name__}: {e}",
                                  "hint": "This is a bug in ioscope; please report it with the "
                                          "page address."}}
        if as_json:
            return Response(json.dumps(envelope, ensure_ascii=False), status_code=status,
                            media_type="application/json")
        html = self.env.get_template("error.html.j2").render(
            error=envelope["error"], status=status, page=None)
        return HTMLResponse(html, status_code=status)


class _MethodError(UsageError):
    """A request other than GET/HEAD: the UI never changes the workspace."""

    code = "method_not_allowed"


def account_url(platform: Any, account_id: Any) -> str:
    return "/account?" + urlencode({"platform": str(platform), "id": str(account_id)})


def advertiser_url(platform: Any, advertiser_id: Any) -> str:
    return "/advertiser?" + urlencode({"platform": str(platform),
                                       "id": "" if advertiser_id is None else str(advertiser_id)})


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
        routes=[Mount("/static", app=StaticFiles(packages=[("ioscope.web", "static")])),
                Route("/assets/report.css", report_css),
                Route("/{path:path}", ui.handle, methods=["GET", "HEAD", "POST", "PUT",
                                                          "DELETE", "PATCH"])],
        middleware=[Middleware(_SecurityHeaders),
                    Middleware(TrustedHostMiddleware, allowed_hosts=hosts)])
    app.state.ui = ui
    return app
