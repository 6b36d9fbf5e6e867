"""``ioscope ads``: the paid-promotion audit."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.table import Table
from rich.text import Text

from ioscope.ads import AUDIT_PARAMS, run_audit
from ioscope.ads.disclosure import disclosure_markdown
from ioscope.cli.common import emit_json, format_option, handle_errors, out
from ioscope.cli.params import declared_options, given
from ioscope.fmt import format_number as _n
from ioscope.fmt import format_pct as _pct
from ioscope.fmt import format_usd as _money
from ioscope.workspace import Workspace

#: Advertisers the table shows when --top is not given (JSON lists all).
TABLE_TOP = 20
TOP = next(p for p in AUDIT_PARAMS if p.name == "top")


def register(app: typer.Typer) -> None:
    app.command("ads")(ads_cmd)


@declared_options(
    AUDIT_PARAMS,
    after="workspace",
    extra={"top": "The table shows 20 unless given."},
)
@handle_errors(rows="advertisers")
def ads_cmd(
    workspace: Path = typer.Argument(..., help="Workspace file."),
    disclosure: bool = typer.Option(
        False,
        "--disclosure",
        help="Write a disclosure statement (Markdown) whose figures link to their SQL.",
    ),
    output: Path | None = typer.Option(
        None, "--output", "-o", help="File for --disclosure (default: stdout)."
    ),
    json: bool = typer.Option(False, "--json", help="Print the audit as JSON (--format json)."),
    fmt: str | None = format_option(),
    **declared: object,
) -> None:
    """Audit the ads in a workspace: spend, reach, targeting, state affiliation.

    Examples:

      ioscope ads case.duckdb

      ioscope ads case.duckdb --split 2016-11-08 --json

      ioscope ads case.duckdb --disclosure -o disclosure.md

      ioscope ads case.duckdb --format csv > advertisers.csv
    """
    values = given(AUDIT_PARAMS, declared)
    # the table lists the first `top` advertisers of the full audit (and says how many more)
    top = None if json else TOP.coerce(values.pop("top", TABLE_TOP), "ads")
    with Workspace.open(workspace, create=False) as ws:
        result = run_audit(ws, **values)
    if json:
        emit_json(result)
        return
    if disclosure:
        text = disclosure_markdown(result)
        if output and str(output) != "-":
            output.write_text(text, encoding="utf-8")
            out.print(f"Disclosure written to {output}")
        else:
            out.print(text, markup=False, highlight=False)
        return
    _print(result, top)


def _print(r: dict, top: int) -> None:
    top = top or len(r["advertisers"])  # 0: all
    t = r["totals"]
    if not t["ads"]:
        out.print("No ads in this workspace. Ingest an ad file first (ioscope ingest WS ads.csv).")
        return
    spend = _money(t["spend_usd"]) + (
        "" if t["spend_usd_exact"] else f" (lower bound; {t['ads_not_converted']} ads unconverted)"
    )
    out.print(
        Text(
            f"{t['ads']:,} ads by {t['advertisers']:,} advertisers, "
            f"{str(t['first_at'])[:10]} to {str(t['last_at'])[:10]}: {spend}, "
            f"{t['impressions']:,} impressions, {t['clicks']:,} clicks.",
            style="bold",
        )
    )
    cur = "; ".join(
        f"{c['spend']:,.2f} {c['currency']} ({c['ads']:,} ads)"
        for c in r["spend_by_currency"]
        if c["spend"] is not None
    )
    out.print(Text(f"As paid: {cur}"))
    q = r["distribution"]["spend_usd_quantiles"]
    out.print(
        Text(
            f"Never shown {_pct(t['share_never_shown'])}; under $3 "
            f"{_pct(t['share_under_3_usd'])}; under $1,000 {_pct(t['share_under_1000_usd'])}; "
            f"median {_money(q.get('p50'))}, p90 {_money(q.get('p90'))}, "
            f"max {_money(q.get('max'))}."
        )
    )
    show_posts = any(a["promoted_posts"] for a in r["advertisers"])
    table = Table(title="Advertisers (by spend)")
    table.add_column("advertiser", max_width=28, overflow="ellipsis")
    for col in (
        ("ads",)
        + (("posts",) if show_posts else ())
        + ("spend USD", "impressions", "clicks", "period")
    ):
        table.add_column(col, justify="right" if col != "period" else "left", no_wrap=True)
    table.add_column("countries: definite; potential", max_width=26)
    table.add_column("state media", max_width=20)
    for a in r["advertisers"][:top]:
        name = a["advertiser_name"] or a["advertiser_id"] or "(not attributed)"
        sm = a.get("state_affiliation")
        targeting = ", ".join(f"{c} {n:,}" for c, n in a["definite"].items())
        if a["potential"]:
            targeting += "; " + ", ".join(f"{c} {n:,}" for c, n in a["potential"].items())
        cells = [Text(str(name)), _n(a["ads"])] + ([_n(a["promoted_posts"])] if show_posts else [])
        cells += [
            _money(a["spend_usd"]),
            _n(a["impressions"]),
            _n(a["clicks"]),
            f"{str(a['first_at'])[:7]}–{str(a['last_at'])[:7]}",
            Text(targeting),
            Text(f"{sm['asset']} ({sm['country']})" if sm else ""),
        ]
        table.add_row(*cells)
    out.print(table)
    if len(r["advertisers"]) > top:
        out.print(f"… {len(r['advertisers']) - top:,} more advertisers (--top N, or --json).")
    ct = Table("country", "definite", "potential", "excluded", title="Targeting by country")
    for c in r["countries"][:10]:
        ct.add_row(c["country"], _n(c["definite"]), _n(c["potential"]), _n(c["excluded"]))
    out.print(ct)
    mt = Table("month", "ads", "spend USD", "impressions", title="By month")
    for m in r["by_month"]:
        mt.add_row(
            m["month"] or "undated", _n(m["ads"]), _money(m["spend_usd"]), _n(m["impressions"])
        )
    out.print(mt)
    if r["split"]:
        s = r["split"]
        st = Table(
            "",
            "ads",
            "spend USD",
            "impressions",
            "never shown",
            title=f"Before / after {s['date']}",
        )
        for label in ("before", "after"):
            x = s[label]
            st.add_row(
                label,
                _n(x["ads"]),
                _money(x["spend_usd"]),
                _n(x["impressions"]),
                _pct(x["share_never_shown"]),
            )
        out.print(st)
    _print_quality(r.get("quality"))
    org = r["organic"]
    if org.get("available"):
        out.print(
            f"{len(org['advertisers_in_clusters']):,} advertisers in coordination clusters; "
            f"{len(org['amplified_promoted_posts']):,} promoted posts reposted by cluster "
            "members."
        )
    elif org:
        out.print(Text(f"Organic link: {org['reason']}.", style="dim"))


def _print_quality(q: dict | None) -> None:
    """The data-quality notes: out-of-period dates and suggested groups of name variants."""
    if not q:
        return
    d = q["dates_outside_period"]
    for rel in d["releases"]:
        out.print(
            Text(
                f"Data quality: {rel['ads']:,} ads dated outside the period of the "
                f"{rel['release']} ({rel['period_start']} to {rel['period_end']}: "
                f"{rel['stated']}); the dates are kept as released.",
                style="yellow",
            )
        )
    if d["ads"]:
        dt = Table(
            "ad",
            "advertiser",
            "start",
            "end",
            "release period",
            title="Ads dated outside their release's period",
        )
        for a in d["listed"]:
            dt.add_row(
                Text(f"{a['platform']}/{a['ad_id']}"),
                Text(str(a["advertiser_name"] or "")),
                str(a["start_at"])[:19],
                str(a["end_at"] or "-")[:19],
                f"{a['period_start']} – {a['period_end']}",
            )
        out.print(dt)
    groups = q["name_variants"]["groups"]
    if not groups:
        return
    out.print(
        Text(
            f"Data quality: {len(groups):,} groups of advertiser names that differ only by "
            f"OCR-like variation ({q['name_variants']['advertisers']:,} advertisers): a "
            "suggestion to review, not merged in any figure above.",
            style="yellow",
        )
    )
    gt = Table(
        "group",
        "advertiser (id)",
        "ads",
        "spend USD",
        "linked by",
        title="Suggested groups of advertiser name variants",
    )
    for i, g in enumerate(groups, 1):
        links: dict[tuple, list[str]] = {}
        for p in g["pairs"]:
            for end, other in (("advertiser_1", "name_2"), ("advertiser_2", "name_1")):
                links.setdefault(tuple(p[end]), []).append(f"{p[other]}: {p['rule']}")
        for a in g["advertisers"]:
            key = (a["platform"], a["advertiser_id"])
            gt.add_row(
                str(i),
                Text(f"{a['advertiser_name']} ({a['platform']}/{a['advertiser_id']})"),
                _n(a["ads"]),
                _money(a["spend_usd"]),
                Text("; ".join(links.get(key, [])[:2])),
            )
    out.print(gt)
