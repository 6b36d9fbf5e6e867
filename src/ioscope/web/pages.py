"""The pages of the web UI as plain functions: query parameters in, page data out.

Each page function takes a :class:`~ioscope.report.trace.Tracer` and the raw query parameters,
validates them against its declared :class:`~ioscope.params.Param` list (unknown or bad values raise
:class:`~ioscope.errors.ParameterError`), and returns a :class:`Page`: the template to render, the
data (the ``data`` member of the JSON twin) and the pagination, if any. The same data drives the
HTML page and its ``.json`` twin.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ioscope.errors import ParameterError
from ioscope.params import Param, validate_params
from ioscope.report import charts, pictures
from ioscope.report.data import accounts, ads, clusters, network, overview
from ioscope.report.trace import Tracer

__all__ = ["Page", "PAGES", "PAGE_PARAMS", "pagination"]

PAGE = Param("page", "int", 1, "Page number, from 1.", min=1, max=1_000_000)


def per_page(default: int) -> Param:
    return Param("per_page", "int", default, "Rows per page.", min=1, max=500)


#: Every page's query parameters, declared once (by path; a cluster's page is /clusters/{id}).
PAGE_PARAMS: dict[str, tuple[Param, ...]] = {
    "/": (),
    "/clusters": (PAGE, per_page(50)),
    "/clusters/{id}": (PAGE, per_page(100)),
    "/network": (
        Param(
            "view",
            "choice",
            "clusters",
            "Clusters as nodes, or their accounts.",
            choices=("clusters", "accounts"),
        ),
        Param("clusters", "int", 10, "Clusters drawn (view=accounts).", min=1, max=100),
        Param("nodes", "int", 400, "Accounts drawn (view=accounts).", min=10, max=2000),
    ),
    "/accounts": (
        PAGE,
        per_page(50),
        Param("q", "str", "", "Text in id, handle or name."),
        Param("flagged", "bool", False, "Only members of clusters."),
    ),
    "/account": (
        PAGE,
        per_page(50),
        Param("platform", "str", "", "Platform."),
        Param("id", "str", "", "Account id."),
    ),
    "/ads": (PAGE, per_page(25)),
    "/advertiser": (
        PAGE,
        per_page(50),
        Param("platform", "str", "", "Platform."),
        Param("id", "str", "", "Advertiser id."),
    ),
    "/method": (),
}


@dataclass
class Page:
    """What a page function returns."""

    name: str
    template: str
    title: str
    data: dict[str, Any]
    pagination: dict[str, Any] | None = None
    links: dict[str, str] = field(default_factory=dict)


def pagination(page: int, size: int, total: int) -> dict[str, Any]:
    return {
        "page": page,
        "per_page": size,
        "total": total,
        "pages": max(1, math.ceil(total / size)) if size else 1,
    }


def _params(spec: tuple[Param, ...], raw: Mapping[str, str], owner: str) -> dict[str, Any]:
    return validate_params(spec, dict(raw), owner)


def _text(value: str, name: str, owner: str, limit: int = 200) -> str:
    if len(value) > limit:
        raise ParameterError(
            f"The '{name}' parameter of {owner} must be a string of at most "
            f"{limit} characters. Got {len(value)} characters instead."
        )
    return value


def overview_page(tr: Tracer, raw: Mapping[str, str]) -> Page:
    _params(PAGE_PARAMS["/"], raw, "/")
    data = {
        "analysed": overview.analysed(tr),
        "campaigns": clusters.clusters_list(tr, limit=10, top=10),
        "ads": ads.ads_overview(tr, totals_only=True),
        "method": overview.method(tr),
    }
    return Page("overview", "overview.html.j2", "Overview", data)


def clusters_page(tr: Tracer, raw: Mapping[str, str]) -> Page:
    p = _params(PAGE_PARAMS["/clusters"], raw, "/clusters")
    size = p["per_page"]
    data = clusters.clusters_list(tr, limit=size, offset=(p["page"] - 1) * size)
    pag = pagination(p["page"], size, data.get("total", 0)) if data["status"] != "not_run" else None
    return Page("clusters", "clusters.html.j2", "Campaign candidates", data, pag)


def cluster_page(tr: Tracer, raw: Mapping[str, str], cluster_id: str) -> Page:
    p = _params(PAGE_PARAMS["/clusters/{id}"], raw, f"/clusters/{cluster_id}")
    size = p["per_page"]
    cid: Any = int(cluster_id) if cluster_id.lstrip("-").isdigit() else cluster_id
    data = clusters.cluster_detail(
        tr, cid, members_limit=size, members_offset=(p["page"] - 1) * size
    )
    pag = None
    if data["status"] == "ok":
        pag = pagination(p["page"], size, data["n_members"])
    if data["status"] == "ok" and "timeline" in data:  # not for members listed in the details
        net = network.network(tr, cluster_id=cid, max_nodes=400, max_edges=4000)
        if net["status"] == "ok":
            _place(net)
        data["network"] = net
        data["timeline_chart"] = charts.activity_bars(
            data["timeline"], data["timeline_bucket"], height=160
        )
        data["creation_chart"] = charts.creation_bars(
            data["creation"], data["creation_bucket"], height=120
        )
    return Page("cluster", "cluster.html.j2", f"Cluster {cluster_id}", data, pag)


def network_page(tr: Tracer, raw: Mapping[str, str]) -> Page:
    """The whole significant network at cluster level (``view=clusters``, the default), or the
    accounts of the highest-ranked clusters (``view=accounts``); one cluster's accounts are on
    its own page."""
    p = _params(PAGE_PARAMS["/network"], raw, "/network")
    if p["view"] == "clusters":
        net = network.cluster_network(tr)
        if net["status"] == "ok":
            net["picture"] = pictures.cluster_picture(
                net["nodes"], net["links"], net["outside"], width=900, height=600
            )
        net["level"] = "clusters"
        net["clusters_param"] = p["clusters"]
        return Page("network", "network.html.j2", "Network of the clusters", net)
    net = network.network(tr, clusters=p["clusters"], max_nodes=p["nodes"], max_edges=6000)
    if net["status"] == "ok":
        _place(net)
    net["level"] = "accounts"
    return Page("network", "network.html.j2", "Network of the clusters", net)


def _place(net: dict[str, Any]) -> None:
    """Initial positions for the interactive view (the same layout as the report's picture)."""
    pic = pictures.network_picture(net["nodes"], net["edges"], width=900, height=640)
    for node, drawn in zip(net["nodes"], pic["nodes"]):
        node.update(
            x=drawn["x"],
            y=drawn["y"],
            r=drawn["r"],
            fill=drawn["fill"],
            label=drawn["label"],
            lx=drawn.get("lx"),
            ly=drawn.get("ly"),
        )
    net["width"], net["height"], net["legend"] = pic["width"], pic["height"], pic["legend"]
    net["groups"] = [g for g in pic["groups"] if g["label"]]


def accounts_page(tr: Tracer, raw: Mapping[str, str]) -> Page:
    p = _params(PAGE_PARAMS["/accounts"], raw, "/accounts")
    q = _text(p["q"], "q", "/accounts")
    size = p["per_page"]
    data = accounts.search_accounts(
        tr, q=q, limit=size, offset=(p["page"] - 1) * size, flagged=p["flagged"]
    )
    return Page(
        "accounts", "accounts.html.j2", "Accounts", data, pagination(p["page"], size, data["total"])
    )


def account_page(tr: Tracer, raw: Mapping[str, str]) -> Page:
    p = _params(PAGE_PARAMS["/account"], raw, "/account")
    if not p["id"] or not p["platform"]:
        raise ParameterError("The '/account' page needs both 'platform' and 'id' parameters.")
    size = p["per_page"]
    data = accounts.account_detail(
        tr,
        _text(p["platform"], "platform", "/account"),
        _text(p["id"], "id", "/account", 500),
        posts_limit=size,
        posts_offset=(p["page"] - 1) * size,
    )
    data["timeline_chart"] = charts.activity_bars(
        data["timeline"], data["timeline_bucket"], height=150
    )
    return Page(
        "account",
        "account.html.j2",
        data["title"],
        data,
        pagination(p["page"], size, data["activity"]["posts"]),
    )


def ads_page(tr: Tracer, raw: Mapping[str, str]) -> Page:
    p = _params(PAGE_PARAMS["/ads"], raw, "/ads")
    size = p["per_page"]
    data = ads.ads_overview(tr, limit=size, offset=(p["page"] - 1) * size)
    pag = None
    if data["status"] == "ok":
        pag = pagination(p["page"], size, data["n_advertisers"])
        data["months_chart"] = charts.spend_bars(data["months"])
    return Page("ads", "ads.html.j2", "Paid promotion", data, pag)


def advertiser_page(tr: Tracer, raw: Mapping[str, str]) -> Page:
    p = _params(PAGE_PARAMS["/advertiser"], raw, "/advertiser")
    if not p["platform"]:
        raise ParameterError("The '/advertiser' page needs the 'platform' and 'id' parameters.")
    size = p["per_page"]
    # an empty id is the advertiser the source did not name (advertiser_id NULL)
    data = ads.advertiser_detail(
        tr,
        _text(p["platform"], "platform", "/advertiser"),
        _text(p["id"], "id", "/advertiser", 500) or None,
        limit=size,
        offset=(p["page"] - 1) * size,
    )
    pag = pagination(p["page"], size, data["totals"]["ads"]) if data["status"] == "ok" else None
    return Page("advertiser", "advertiser.html.j2", data["title"], data, pag)


def method_page(tr: Tracer, raw: Mapping[str, str]) -> Page:
    _params(PAGE_PARAMS["/method"], raw, "/method")
    return Page("method", "method.html.j2", "Method and provenance", overview.method(tr))


#: path → (page function, whether the path takes an id segment)
PAGES: dict[str, Callable[..., Page]] = {
    "/": overview_page,
    "/clusters": clusters_page,
    "/network": network_page,
    "/accounts": accounts_page,
    "/account": account_page,
    "/ads": ads_page,
    "/advertiser": advertiser_page,
    "/method": method_page,
}
