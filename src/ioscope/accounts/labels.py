"""Label files: which accounts are known campaign accounts (1) and which are organic (0).

A CSV with a header: ``account_id`` (or ``handle``, matched case-insensitively), ``label`` (1/0,
true/false, yes/no), optionally ``platform`` and a group column (``group``, ``campaign`` or
``campaign_id`` unless named) so that accounts of one campaign stay in one cross-validation fold.
The simulator's ``truth.csv`` (``account_id,campaign_id,strategy``) works as is: label 1 when
``campaign_id`` is not empty, grouped by campaign. Labels naming accounts that are not in the
workspace are counted and reported, not fatal.
"""

from __future__ import annotations

import csv
import io
import os
from dataclasses import dataclass, field
from typing import Any

from ioscope.accounts._sql import register_arrow
from ioscope.errors import InputFormatError, MissingColumnError, NotFoundError, UsageError
from ioscope.workspace import Workspace

__all__ = ["Labels", "read_labels", "resolve_labels", "ResolvedLabels"]

_TRUE = {"1", "1.0", "true", "t", "yes", "y"}
_FALSE = {"0", "0.0", "false", "f", "no", "n"}
_GROUP_COLUMNS = ("group", "campaign", "campaign_id")


@dataclass
class Labels:
    """Parsed labels: one entry per distinct key, in file order."""

    path: str
    key: str  # 'account_id' or 'handle'
    keys: list[str] = field(default_factory=list)
    platforms: list[str | None] = field(default_factory=list)
    labels: list[int] = field(default_factory=list)
    groups: list[str | None] = field(default_factory=list)
    group_column: str | None = None
    rows: int = 0
    duplicates: int = 0

    def summary(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "key": self.key,
            "rows": self.rows,
            "distinct": len(self.keys),
            "duplicates": self.duplicates,
            "positives": sum(self.labels),
            "negatives": len(self.labels) - sum(self.labels),
            "group_column": self.group_column,
        }


def _sniff_delimiter(header: str) -> str:
    counts = {d: header.count(d) for d in (",", "\t", ";")}
    return max(counts, key=lambda d: (counts[d], d == ","))


def read_labels(path: str | os.PathLike, *, group_column: str | None = None) -> Labels:
    """Parse a label file; raises :class:`InputFormatError` naming the line at fault."""
    path = str(path)
    if not os.path.isfile(path):
        raise NotFoundError(f"No such label file: {path}")
    with open(path, encoding="utf-8-sig", newline="") as f:
        text = f.read()
    first = text.splitlines()[0] if text.strip() else ""
    if not first.strip():
        raise InputFormatError(
            "the label file is empty; it needs a header such as 'account_id,label'.", path=path
        )
    reader = csv.DictReader(io.StringIO(text), delimiter=_sniff_delimiter(first))
    header = {h.strip().lower(): h for h in (reader.fieldnames or []) if h is not None}
    key = "account_id" if "account_id" in header else "handle" if "handle" in header else None
    if key is None:
        raise MissingColumnError(
            f"{path}: a label file needs an 'account_id' (or 'handle') "
            f"column; the header has {', '.join(header) or 'nothing'}.",
            hint="Example header: account_id,label,campaign",
        )
    from_truth = "label" not in header and "campaign_id" in header
    if "label" not in header and not from_truth:
        raise MissingColumnError(
            f"{path}: a label file needs a 'label' column (1 = campaign, "
            f"0 = organic); the header has {', '.join(header)}.",
            hint="Example header: account_id,label,campaign",
        )
    if group_column is not None and group_column.lower() not in header:
        raise MissingColumnError(
            f"{path}: no group column {group_column!r}; the header has {', '.join(header)}."
        )
    gcol = (
        group_column.lower()
        if group_column
        else next((c for c in _GROUP_COLUMNS if c in header), None)
    )
    out = Labels(path=path, key=key, group_column=gcol)
    seen: dict[tuple[str | None, str], tuple[int, int]] = {}
    for row in reader:
        line = reader.line_num
        values = {k.strip().lower(): (v or "").strip() for k, v in row.items() if k is not None}
        if not any(values.values()):
            continue
        out.rows += 1
        ident = values.get(key, "")
        if key == "handle":
            ident = ident.lstrip("@").lower()
        if not ident:
            raise InputFormatError(f"empty {key}.", path=path, line=line, field=key)
        if from_truth:
            label = 1 if values.get("campaign_id") else 0
        else:
            raw = values.get("label", "").lower()
            if raw not in _TRUE and raw not in _FALSE:
                raise InputFormatError(
                    f"label {values.get('label', '')!r} is not 1/0 (true/false, yes/no).",
                    path=path,
                    line=line,
                    field="label",
                )
            label = 1 if raw in _TRUE else 0
        platform = values.get("platform") or None
        group = (values.get(gcol) or None) if gcol else None
        k = (platform, ident)
        if k in seen:
            prev_label, prev_line = seen[k]
            if prev_label != label:
                raise InputFormatError(
                    f"{key} {ident!r} is labelled {prev_label} on line {prev_line} and {label} "
                    "here.",
                    path=path,
                    line=line,
                    field="label",
                    hint="Remove the conflicting line; each account needs one label.",
                )
            out.duplicates += 1
            continue
        seen[k] = (label, line)
        out.keys.append(ident)
        out.platforms.append(platform)
        out.labels.append(label)
        out.groups.append(group)
    if not out.keys:
        raise InputFormatError("the label file has a header but no labels.", path=path)
    return out


@dataclass
class ResolvedLabels:
    """Labels matched to workspace accounts (sorted by platform, account_id)."""

    platform: list[str]
    account_id: list[str]
    label: list[int]
    group: list[str]
    absent: int
    absent_examples: list[str]
    ambiguous: int

    def summary(self) -> dict[str, Any]:
        return {
            "matched": len(self.account_id),
            "positives": sum(self.label),
            "negatives": len(self.label) - sum(self.label),
            "absent": self.absent,
            "absent_examples": self.absent_examples,
            "ambiguous_handles": self.ambiguous,
            "groups": len(set(self.group)),
        }


def resolve_labels(ws: Workspace, labels: Labels) -> ResolvedLabels:
    """Match labels to ``accounts`` by id (or handle); count the ones naming absent accounts."""
    import pyarrow as pa

    con = ws.con
    t = pa.table(
        {
            "i": list(range(len(labels.keys))),
            "k": labels.keys,
            "p": pa.array(labels.platforms, pa.string()),
        }
    )
    register_arrow(con, "_labels_arrow", t)
    try:
        match = "a.account_id = l.k" if labels.key == "account_id" else "lower(a.handle) = l.k"
        rows = con.execute(f"""
            SELECT l.i, a.platform, a.account_id FROM _labels_arrow l JOIN accounts a
              ON {match} AND (l.p IS NULL OR a.platform = l.p)
            ORDER BY a.platform, a.account_id""").fetchall()
    finally:
        con.unregister("_labels_arrow")
    per_label: dict[int, list[tuple[str, str]]] = {}
    for i, plat, acc in rows:
        per_label.setdefault(i, []).append((plat, acc))
    ambiguous = sum(1 for v in per_label.values() if len(v) > 1)
    taken: dict[tuple[str, str], int] = {}
    out = ResolvedLabels([], [], [], [], 0, [], ambiguous)
    for i, key in enumerate(labels.keys):
        matches = per_label.get(i)
        if not matches:
            out.absent += 1
            if len(out.absent_examples) < 10:
                out.absent_examples.append(key)
            continue
        for plat, acc in matches:
            if (plat, acc) in taken:
                if labels.labels[taken[(plat, acc)]] != labels.labels[i]:
                    raise UsageError(
                        f"Account {plat}/{acc} gets label {labels.labels[taken[(plat, acc)]]} "
                        f"and {labels.labels[i]} from different rows of {labels.path}."
                    )
                continue
            taken[(plat, acc)] = i
    for (plat, acc), i in sorted(taken.items()):
        out.platform.append(plat)
        out.account_id.append(acc)
        out.label.append(labels.labels[i])
        out.group.append(labels.groups[i] or f"account:{plat}/{acc}")
    return out
