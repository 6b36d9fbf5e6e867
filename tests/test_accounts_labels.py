"""Label files: formats users bring and the ways they go wrong."""

from __future__ import annotations

import pytest

from ioscope.accounts import read_labels, resolve_labels, train
from ioscope.errors import InputFormatError, MissingColumnError, NotFoundError, UsageError
from tests.fixtures.accounts import account, insert
from tests.fixtures.paths import write


def test_basic_and_group_column(tmp_path):
    lab = read_labels(
        write(tmp_path / "l.csv", "account_id,label,campaign\n1,1,ira\n2,0,\n3,true,ira\n4,No,\n")
    )
    assert lab.keys == ["1", "2", "3", "4"] and lab.labels == [1, 0, 1, 0]
    assert lab.groups == ["ira", None, "ira", None] and lab.group_column == "campaign"


def test_bom_tabs_blank_lines_and_duplicates(tmp_path):
    text = "\ufeffaccount_id\tlabel\n1\t1\n\n1\t1\n2\t0\n"
    lab = read_labels(write(tmp_path / "l.tsv", text))
    assert lab.keys == ["1", "2"] and lab.duplicates == 1 and lab.rows == 3


def test_simulator_truth_file(tmp_path):
    lab = read_labels(
        write(
            tmp_path / "truth.csv",
            "account_id,campaign_id,strategy\na,c1,co_repost\nb,,\nc,c2,copypasta\n",
        )
    )
    assert lab.labels == [1, 0, 1] and lab.groups == ["c1", None, "c2"]


def test_handles(tmp_path, ws):
    insert(ws, [account("10", handle="TEN_GOP"), account("11", handle="other")], [])
    lab = read_labels(write(tmp_path / "h.csv", "handle,label\n@ten_gop,1\nother,0\nghost,1\n"))
    res = resolve_labels(ws, lab)
    assert res.account_id == ["10", "11"] and res.label == [1, 0]
    assert res.absent == 1 and res.absent_examples == ["ghost"]


@pytest.mark.parametrize(
    "text, error, match",
    [
        ("", InputFormatError, "empty"),
        ("account_id,label\n", InputFormatError, "no labels"),
        ("user,label\n1,1\n", MissingColumnError, "'account_id' \\(or 'handle'\\)"),
        ("account_id,campaign\n1,x\n", MissingColumnError, "'label' column"),
        ("account_id,label\n1,1\n2,maybe\n", InputFormatError, "line 3.*'maybe' is not 1/0"),
        ("account_id,label\n,1\n", InputFormatError, "line 2.*empty account_id"),
        ("account_id,label\n1,1\n1,0\n", InputFormatError, "labelled 1 on line 2 and 0 here"),
    ],
)
def test_malformed_label_files(tmp_path, text, error, match):
    with pytest.raises(error, match=match):
        read_labels(write(tmp_path / "bad.csv", text))


def test_missing_file_and_group_column(tmp_path):
    with pytest.raises(NotFoundError):
        read_labels(tmp_path / "nope.csv")
    with pytest.raises(MissingColumnError, match="no group column 'op'"):
        read_labels(write(tmp_path / "l.csv", "account_id,label\n1,1\n"), group_column="op")


def test_absent_accounts_are_counted_not_fatal(tmp_path, ws):
    from tests.fixtures.accounts import synthetic, write_labels

    truth = synthetic(ws, organic=40, campaigns=3, size=6, posts=10, seed=2)
    path = write_labels(tmp_path / "l.csv", truth + [("ghost1", 1, "x"), ("ghost2", 0, "")])
    rep = train(ws, path, params={"max_iter": 20})
    assert rep.labels["absent"] == 2 and rep.labels["matched"] == len(truth)
    assert set(rep.labels["absent_examples"]) == {"ghost1", "ghost2"}


def test_too_few_labels_in_workspace(tmp_path, ws):
    insert(ws, [account(str(i), followers=i, following=1) for i in range(4)], [])
    only_neg = write(tmp_path / "l.csv", "account_id,label\n0,0\n1,0\n2,0\nghost,1\n")
    with pytest.raises(UsageError, match="at least 2 accounts of each label.*1 label"):
        train(ws, only_neg)
    one_group = write(tmp_path / "g.csv", "account_id,label,group\n0,1,a\n1,1,a\n2,0,\n3,0,\n")
    with pytest.raises(UsageError, match="at least 2 groups of each label"):
        train(ws, one_group)
