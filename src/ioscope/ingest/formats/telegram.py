"""Telegram channels and groups: Telegram Desktop exports and message dumps.

Three shapes are read:

* Telegram Desktop's ``result.json`` of one chat (``name``, ``type``, ``id``, ``messages[]`` with
  ``id``, ``date_unixtime``, ``from``/``from_id``, ``text`` as a string or a list of entities,
  ``text_entities``, ``forwarded_from``, ``reply_to_message_id``). It is streamed message by
  message from the layout Telegram writes (one-space indentation); another layout, or a full-account
  export (``chats.list[]``), is read whole. Telegram writes control characters as ``\\xNN``, which
  is not JSON; such escapes are repaired. Service messages (pins, title changes) are quarantined.
* Flat dumps, one message per record (``message_id``, ``sender_id``, ``text``, ``date``,
  ``channel``), as in the telegram-news-classifier dataset.
* Telethon ``Message.to_dict()`` dumps (``peer_id``, ``message``, ``fwd_from``, ``reply_to``,
  ``views``, ``forwards``), which carry forward sources with ids.

Ids follow the Bot API: a channel or supergroup is ``-100<id>``, a basic group ``-<id>``, a user
``<id>``. The channel is the account of its posts; in groups the sender is. ``post_id`` is
``<chat id>/<message id>``. A forward is a ``repost`` (target ids when the source gives them, else
``target_handle`` = the name Telegram shows); a reply is a ``reply`` to ``<chat>/<message>``.
Hashtags, mentions and links come from the text entities when present; links are otherwise
taken from the text (``http(s)://`` up to a space, quote or bracket).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import orjson

from ioscope.ingest.context import ReadContext
from ioscope.ingest.jsonsql import json_kind, raw_if, shape
from ioscope.ingest.jsonsrc import (
    detect_layout,
    drop_invalid,
    json_chunks,
    open_input,
    quarantine_record,
    query,
    read_head_bytes,
    stage_from,
)
from ioscope.ingest.lazy import lazy
from ioscope.ingest.media import stage_media
from ioscope.ingest.media_sql import TELEGRAM_KEYS, telegram_media
from ioscope.ingest.registry import register_reader
from ioscope.ingest.sqlfrag import ts
from ioscope.sql import literal

pa = lazy("pyarrow")

_V, _J = "VARCHAR", "JSON"
_PEER = {"channel_id": _J, "user_id": _J, "chat_id": _J}
MESSAGE = shape(
    {
        "id": _J,
        "message_id": _J,
        "type": _V,
        "action": _V,
        "date": _V,
        "date_unixtime": _V,
        "from": _V,
        "from_id": _J,
        "author": _V,
        "forwarded_from": _V,
        "forwarded_from_id": _V,
        "reply_to_message_id": _J,
        "reply_to_peer_id": _V,
        "text": _J,
        "text_entities": [{"type": _V, "text": _V, "href": _V}],
        "views": "BIGINT",
        "forwards": "BIGINT",
        "replies": {"replies": "BIGINT"},
        "sender_id": _J,
        "channel": _V,
        "message": _V,
        "post_author": _V,
        "peer_id": _PEER,
        "fwd_from": {"from_id": _PEER, "from_name": _V, "channel_post": _J},
        "reply_to": {"reply_to_msg_id": _J, "reply_to_peer_id": _PEER},
        "entities": [{"_": _V, "url": _V}],
    }
)
URL_RE = r"""https?://[^\s()<>\[\]{}"'«»]+[^\s()<>\[\]{}"'«».,;:!?…]"""
CHUNK = 20_000
_DESKTOP_MESSAGES = b' "messages": ['
_X_ESCAPE = re.compile(rb"(?<!\\)((?:\\\\)*)\\x([0-9A-Fa-f]{2})")


def _peer_of(struct: str) -> str:
    """Bot API id of a Telethon peer struct (PeerChannel / PeerChat / PeerUser)."""
    return (
        f"CASE WHEN {struct}.channel_id IS NOT NULL THEN '-100' || ({struct}.channel_id->>'$') "
        f"WHEN {struct}.chat_id IS NOT NULL THEN '-' || ({struct}.chat_id->>'$') "
        f"ELSE {struct}.user_id->>'$' END"
    )


def _peer_text(expr: str) -> str:
    """Bot API id of Telegram Desktop's 'channel123' / 'chat123' / 'user123' (or a bare id)."""
    return (
        f"CASE WHEN {expr} LIKE 'channel%' THEN '-100' || substr({expr}, 8) "
        f"WHEN {expr} LIKE 'chat%' THEN '-' || substr({expr}, 5) "
        f"WHEN {expr} LIKE 'user%' THEN substr({expr}, 5) ELSE NULLIF({expr}, '') END"
    )


def _any_peer(j: str) -> str:
    """Bot API id of a JSON peer: a Telethon peer object, or Desktop's text form."""
    return (
        f"CASE WHEN json_type({j}) = 'OBJECT' THEN CASE "
        f"WHEN json_exists({j}, '$.channel_id') THEN '-100' || json_extract_string({j}, '$.channel_id') "
        f"WHEN json_exists({j}, '$.chat_id') THEN '-' || json_extract_string({j}, '$.chat_id') "
        f"ELSE json_extract_string({j}, '$.user_id') END "
        f"WHEN {j} IS NOT NULL THEN {_peer_text(f'({j}->>{chr(39)}${chr(39)})')} END"
    )


def _chat_id(chat_id: int | str | None, chat_type: str | None) -> str | None:
    if chat_id is None:
        return None
    bare = str(chat_id)
    if bare.startswith("-"):
        return bare
    kind = chat_type or ""
    if "channel" in kind or "supergroup" in kind:
        return "-100" + bare
    return "-" + bare if kind == "private_group" else bare


def _posts_sql(platform: str) -> str:
    text = """CASE json_type(m.text)
        WHEN 'VARCHAR' THEN m.text->>'$'
        WHEN 'ARRAY' THEN array_to_string(list_transform(json_extract(m.text, '$[*]'), lambda p_:
            CASE WHEN json_type(p_) = 'VARCHAR' THEN p_->>'$' ELSE p_->>'text' END), '')
        END"""
    parts = """COALESCE(m.text_entities, CASE WHEN json_type(m.text) = 'ARRAY' THEN
        list_transform(list_filter(json_extract(m.text, '$[*]'), lambda p_: json_type(p_) = 'OBJECT'),
                       lambda p_: {'type': p_->>'type', 'text': p_->>'text', 'href': p_->>'href'})
        END)"""
    fwd = "(m.forwarded_from IS NOT NULL OR m.fwd_from IS NOT NULL)"
    reply_id = "(COALESCE(m.reply_to_message_id, m.reply_to.reply_to_msg_id)->>'$')"
    return f"""
SELECT {literal(platform)} AS platform, _line AS source_line,
    COALESCE(chat_id, m.sender_id->>'$', {_peer_of("m.peer_id")}) AS _chat,
    _chat || '/' || (COALESCE(m.id, m.message_id)->>'$') AS post_id,
    COALESCE({_any_peer("m.from_id")}, m.sender_id->>'$', _chat) AS account_id,
    COALESCE(m."from", m.channel, chat_name) AS _display_name,
    COALESCE({ts("m.date_unixtime")}, {ts("m.date")}) AS created_at,
    CASE WHEN {fwd} THEN 'repost' WHEN {reply_id} IS NOT NULL THEN 'reply' ELSE 'post' END AS kind,
    COALESCE({text}, m.message) AS text,
    CASE WHEN kind = 'repost' AND m.fwd_from.channel_post IS NOT NULL
             THEN {_peer_of("m.fwd_from.from_id")} || '/' || (m.fwd_from.channel_post->>'$')
         WHEN kind = 'reply' THEN COALESCE({_peer_text("m.reply_to_peer_id")},
                                           {_peer_of("m.reply_to.reply_to_peer_id")}, _chat)
                                  || '/' || {reply_id}
    END AS target_post_id,
    CASE WHEN kind = 'repost' THEN COALESCE({_peer_text("m.forwarded_from_id")},
                                            {_peer_of("m.fwd_from.from_id")})
         WHEN kind = 'reply' AND account_id = _chat THEN _chat END AS target_account_id,
    CASE WHEN kind = 'repost' THEN COALESCE(m.forwarded_from, m.fwd_from.from_name) END AS target_handle,
    {parts} AS _parts,
    list_transform(list_filter(_parts, lambda e_: e_.type = 'hashtag'), lambda e_: e_.text) AS hashtags,
    list_transform(list_filter(_parts, lambda e_: e_.type = 'mention'), lambda e_: e_.text) AS mentions,
    CASE WHEN _parts IS NOT NULL THEN list_transform(
             list_filter(_parts, lambda e_: e_.type IN ('link', 'text_link')),
             lambda e_: CASE WHEN e_.type = 'text_link' THEN e_.href ELSE e_.text END)
         ELSE list_concat(list_transform(list_filter(m.entities, lambda e_: e_.url IS NOT NULL),
                                         lambda e_: e_.url),
                          regexp_extract_all(COALESCE(text, ''), {literal(URL_RE)})) END AS urls,
    m.views AS view_count, m.forwards AS repost_count, m.replies.replies AS reply_count,
    CASE WHEN json_type(json) <> 'OBJECT' THEN 'not a message: the record is a JSON '
                                             || {json_kind("json")}
         WHEN m.type IS NOT NULL AND m.type <> 'message'
         THEN 'Telegram ' || m.type || ' message' || COALESCE(' (' || m.action || ')', '')
              || ', not a post' END AS _error,
    CASE WHEN _error IS NOT NULL THEN 'record' END AS _error_field,
    {raw_if("_error IS NOT NULL OR post_id IS NULL OR account_id IS NULL OR created_at IS NULL")}
        AS _raw,
    CASE WHEN json_type(json) = 'OBJECT' AND list_has_any(json_keys(json), {list(TELEGRAM_KEYS)})
         AND _error IS NULL THEN json END AS _media
FROM (SELECT _line, json, chat_id, chat_type, chat_name, json_transform(json, {MESSAGE}) AS m
      FROM _msgs)"""


def _stage(ctx: ReadContext, msgs: pa.Table, platform: str) -> None:
    rows = query(ctx.con, "_msgs", msgs, _posts_sql(platform))
    ctx.rows_read += stage_from(
        ctx,
        "stg_posts",
        "_p",
        rows,
        "SELECT * EXCLUDE (_chat, _display_name, _parts, _media) FROM _p",
    )
    stage_media(ctx, telegram_media(), rows)
    stage_from(
        ctx,
        "stg_accounts",
        "_p",
        rows,
        """
        SELECT platform, account_id, arg_max(_display_name, source_line) AS display_name,
               max(source_line) AS source_line, false AS _primary
        FROM _p WHERE _display_name IS NOT NULL GROUP BY ALL""",
    )


def _with_chat(tab: pa.Table, chat: tuple) -> pa.Table:
    n = tab.num_rows
    chat_id, chat_type, chat_name = chat
    return (
        tab.append_column("chat_id", pa.array([chat_id] * n, pa.string()))
        .append_column("chat_type", pa.array([chat_type] * n, pa.string()))
        .append_column("chat_name", pa.array([chat_name] * n, pa.string()))
    )


# -- Telegram Desktop, streamed ----------------------------------------------------------------
def _desktop_stream(ctx: ReadContext) -> Iterator[pa.Table] | None:
    """Message chunks of a one-chat export in the layout Telegram writes; None for another layout."""
    head = read_head_bytes(ctx.path, 1 << 20)
    at = head.find(b"\n" + _DESKTOP_MESSAGES + b"\n")
    if at < 0:
        return None
    try:
        header = orjson.loads(head[:at].strip().lstrip(b"\xef\xbb\xbf").rstrip(b",") + b"}")
    except orjson.JSONDecodeError:
        return None
    if not isinstance(header, dict):
        return None
    chat = (_chat_id(header.get("id"), header.get("type")), header.get("type"), header.get("name"))
    return _desktop_messages(ctx, chat)


def _desktop_messages(ctx: ReadContext, chat: tuple) -> Iterator[pa.Table]:
    lines, texts = [], []
    start, buf, line_no, inside = 0, [], 0, False
    with open_input(ctx.path) as f:
        for raw in f:
            line_no += 1
            if not inside:
                entry = raw.rstrip(b"\r\n")
                if entry == b"  {":
                    inside, start, buf = True, line_no, [b"{"]
                elif (
                    entry[:2] == b"  "
                    and entry[2:3] not in (b" ", b"")
                    and entry.strip() not in (b"]", b"],")
                ):
                    # an entry of the messages array on one line: a compact message, or not a
                    # message at all (a string, a number, null), quarantined by the reader
                    text = _decode(ctx, line_no, entry.strip().rstrip(b","))
                    if text is not None:
                        lines.append(line_no)
                        texts.append(text)
                continue
            end = raw.rstrip(b"\r\n")
            if end in (b"  }", b"  },"):
                inside = False
                text = _decode(ctx, start, b"".join(buf) + b"}")
                if text is not None:
                    lines.append(start)
                    texts.append(text)
                if len(texts) >= CHUNK:
                    yield _desktop_chunk(ctx, lines, texts, chat)
                    lines, texts = [], []
            else:
                buf.append(raw)
    if inside:
        quarantine_record(
            ctx, start, "the file ends inside this message (truncated export)", b"".join(buf)
        )
    if texts:
        yield _desktop_chunk(ctx, lines, texts, chat)


def _decode(ctx: ReadContext, line: int, data: bytes) -> str | None:
    if b"\\x" in data:  # Telegram's non-JSON escape of control characters
        data = _X_ESCAPE.sub(rb"\1\\u00\2", data)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as e:
        quarantine_record(ctx, line, f"not valid UTF-8 ({e.reason} at byte {e.start})", data)
        return None


def _desktop_chunk(ctx: ReadContext, lines: list, texts: list, chat: tuple) -> pa.Table:
    tab = drop_invalid(
        ctx, pa.table({"_line": pa.array(lines, pa.int64()), "json": pa.array(texts, pa.string())})
    )
    return _with_chat(tab, chat)


# -- other layouts -----------------------------------------------------------------------------
# Records that are whole exports (one chat, or an account's chats.list) become their messages,
# numbered by their index in the file; other records are messages themselves.
_EXPLODE = """
WITH chats AS (
    SELECT _line, unnest(CASE WHEN json_exists(json, '$.messages') THEN [json]
                       ELSE list_concat(json_extract(json, '$.chats.list[*]'),
                                        json_extract(json, '$.left_chats.list[*]')) END) AS c
    FROM _json WHERE json_type(json) = 'OBJECT'
                 AND (json_exists(json, '$.messages') OR json_exists(json, '$.chats'))),
msgs AS (SELECT _line, c, unnest(json_extract(c, '$.messages[*]')) AS m FROM chats)
SELECT _line, json, NULL::VARCHAR AS _id, NULL::VARCHAR AS chat_type, NULL::VARCHAR AS chat_name
FROM _json WHERE NOT (json_type(json) = 'OBJECT'
                      AND (json_exists(json, '$.messages') OR json_exists(json, '$.chats')))
UNION ALL
SELECT row_number() OVER () AS _line, m, c->>'id', c->>'type', c->>'name' FROM msgs"""


def _messages(ctx: ReadContext) -> Iterator[pa.Table]:
    layout = detect_layout(ctx.path)
    if layout == "document":
        stream = _desktop_stream(ctx)
        if stream is not None:
            yield from stream
            return
    for chunk in json_chunks(ctx, layout=layout, max_object=1 << 31):
        msgs = query(ctx.con, "_json", chunk, _EXPLODE)
        ids = [
            _chat_id(i, t) for i, t in zip(msgs["_id"].to_pylist(), msgs["chat_type"].to_pylist())
        ]
        yield (
            msgs.drop(["_id"])
            .append_column("chat_id", pa.array(ids, pa.string()))
            .select(["_line", "json", "chat_id", "chat_type", "chat_name"])
        )


def _sniff(path: str, head: str) -> bool:
    text = head.lstrip("\ufeff \t\r\n")
    if text[:1] not in ("{", "["):
        return False
    desktop = '"messages"' in head and (
        '"date_unixtime"' in head or '"text_entities"' in head or '"from_id"' in head
    )
    flat = '"message_id"' in head and ('"sender_id"' in head or '"channel"' in head)
    telethon = '"peer_id"' in head and ('"_": "Message"' in head or '"_":"Message"' in head)
    return desktop or flat or telethon


@register_reader(
    "telegram",
    summary="Telegram Desktop exports (result.json) and message dumps "
    "(flat or Telethon to_dict), channels as accounts",
    sniff=_sniff,
    priority=45,
)
def read_telegram(ctx: ReadContext) -> None:
    platform = ctx.platform or "telegram"
    for msgs in _messages(ctx):
        if msgs.num_rows:
            _stage(ctx, msgs, platform)
