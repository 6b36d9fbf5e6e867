"""Core tables: accounts, posts, their referenced counterparts, quarantine, runs and metadata."""

from __future__ import annotations

from ioscope.model.table import Column as C
from ioscope.model.table import Table, register

PROVENANCE = (
    C(
        "source_file",
        "VARCHAR",
        "Path of the input file the record came from, as given on the command line.",
    ),
    C(
        "source_line",
        "BIGINT",
        "1-based line of the record in that file (JSON lines, CSV physical line of "
        "the record start) or 1-based record index for formats without lines (JSON arrays, Parquet).",
    ),
    C("run_id", "VARCHAR", "The `runs.run_id` of the ingest that wrote the row."),
)

ACCOUNT_COLUMNS = (
    C(
        "platform",
        "VARCHAR",
        "Source platform: twitter, facebook, instagram, bluesky, telegram, or the "
        "value given with --platform for generic inputs.",
        nullable=False,
    ),
    C(
        "account_id",
        "VARCHAR",
        "The source's account id, verbatim (Twitter user id string, Bluesky DID, "
        "Telegram peer id). When a source has handles only, the lower-cased handle.",
        nullable=False,
    ),
    C("handle", "VARCHAR", "Screen name / username / Bluesky handle, without '@'."),
    C("display_name", "VARCHAR", "Display name as shown on the profile."),
    C("description", "VARCHAR", "Profile description (bio)."),
    C("location", "VARCHAR", "Location the account reports on its profile (free text)."),
    C(
        "language",
        "VARCHAR",
        "Account or interface language as the source gives it (e.g. 'en', 'ru').",
    ),
    C("created_at", "TIMESTAMP", "Account creation time, UTC."),
    C("followers", "BIGINT", "Follower count at collection time."),
    C("following", "BIGINT", "Following (friends) count at collection time."),
    C("post_count", "BIGINT", "Number of posts the platform reported for the account."),
    C("profile_url", "VARCHAR", "URL given on the profile."),
    C("verified", "BOOLEAN", "Whether the platform marked the account verified."),
) + PROVENANCE

POST_COLUMNS = (
    C("platform", "VARCHAR", "Source platform (see accounts.platform).", nullable=False),
    C(
        "post_id",
        "VARCHAR",
        "The source's post id, verbatim (tweet id string, AT URI, Telegram '<channel>/<message>').",
        nullable=False,
    ),
    C("account_id", "VARCHAR", "Author's account id (accounts.account_id).", nullable=False),
    C("handle", "VARCHAR", "Author's handle at posting time, when the source gives it."),
    C("created_at", "TIMESTAMP", "Posting time, UTC.", nullable=False),
    C("kind", "VARCHAR", "One of post, repost, reply, quote.", nullable=False),
    C(
        "text",
        "VARCHAR",
        "Full text. For reposts, the text of the reposted post (without the 'RT @x:' "
        "prefix) so that identical reposts can be matched even without target ids.",
    ),
    C("language", "VARCHAR", "Post language as the source gives it."),
    C("client", "VARCHAR", "Client / app / source used to post (e.g. 'Twitter for iPhone')."),
    C("target_post_id", "VARCHAR", "Id of the post reposted, replied to or quoted."),
    C("target_account_id", "VARCHAR", "Account id of the author of the target post."),
    C(
        "target_handle",
        "VARCHAR",
        "Handle of the target post's author (from 'RT @handle:' when no id).",
    ),
    C(
        "hashtags",
        "VARCHAR[]",
        "Hashtags, lower-cased, without '#', in order of appearance; from the "
        "source's entities when present, else extracted from text.",
    ),
    C(
        "mentions",
        "VARCHAR[]",
        "Mentioned handles, lower-cased, without '@', in order of appearance.",
    ),
    C("urls", "VARCHAR[]", "URLs as given (expanded_url preferred over t.co links)."),
    C(
        "urls_normalized",
        "VARCHAR[]",
        "URLs normalized: lower-case scheme and host, default ports, "
        "fragments and tracking parameters (utm_*, fbclid, gclid, ...) removed.",
    ),
    C("domains", "VARCHAR[]", "Registered domains of the URLs (tldextract, bundled suffix list)."),
    C("like_count", "BIGINT", "Likes / favourites, where known."),
    C("repost_count", "BIGINT", "Reposts / retweets / forwards, where known."),
    C("reply_count", "BIGINT", "Replies, where known."),
    C("quote_count", "BIGINT", "Quotes, where known."),
    C(
        "view_count",
        "BIGINT",
        "Views / impressions of an organic post, where known (Telegram views).",
    ),
) + PROVENANCE

ACCOUNTS = Table(
    "accounts",
    "Accounts that were collected: authors of the collected posts and rows of users files.",
    ACCOUNT_COLUMNS,
    primary_key=("platform", "account_id"),
    indexes=(("handle",),),
)
POSTS = Table(
    "posts",
    "Posts that were collected: the records of the input files.",
    POST_COLUMNS,
    primary_key=("platform", "post_id"),
    # The key is kept by ingest (anti-join on platform + post_id), not by an ART index, and there
    # are no secondary indexes: zonemaps and scans serve this table, and ART indexes cost most of
    # the insert time and memory that cannot spill inside a large ingest transaction (measured by
    # benchmarks/bench_ingest.py and bench_ingest_538.py).
    key_enforced=False,
)
REFERENCED_ACCOUNTS = Table(
    "referenced_accounts",
    "Accounts that appear only embedded in collected records (authors of "
    "quoted or reposted posts, v2 includes.users not authoring a collected post). Same columns as "
    "accounts.",
    ACCOUNT_COLUMNS,
    primary_key=("platform", "account_id"),
)
REFERENCED_POSTS = Table(
    "referenced_posts",
    "Posts that appear only embedded in collected records (a quoted or retweeted "
    "status inside a v1.1 tweet, v2 includes.tweets). Same columns as posts.",
    POST_COLUMNS,
    primary_key=("platform", "post_id"),
    key_enforced=False,
)
ACCOUNT_ATTRIBUTES = Table(
    "account_attributes",
    "Source-specific facts about collected accounts that the accounts columns "
    "do not hold, one row per account and name: e.g. FiveThirtyEight/Clemson's hand-coded "
    "account_type and account_category, or the Twitter user id of an account known by handle.",
    (
        C("platform", "VARCHAR", "Platform (accounts.platform).", nullable=False),
        C("account_id", "VARCHAR", "Account id (accounts.account_id).", nullable=False),
        C(
            "name",
            "VARCHAR",
            "Attribute name as the source calls it (e.g. 'account_category').",
            nullable=False,
        ),
        C("value", "VARCHAR", "Attribute value as the source gives it."),
    )
    + PROVENANCE,
    primary_key=("platform", "account_id", "name"),
)
QUARANTINE = Table(
    "quarantine",
    "Every source record that could not be ingested, with the reason.",
    (
        C("run_id", "VARCHAR", "The ingest run that met the record."),
        C("source_file", "VARCHAR", "Input file."),
        C("source_line", "BIGINT", "1-based line (or record index) of the record."),
        C("format", "VARCHAR", "Reader used."),
        C("field", "VARCHAR", "The field at fault, when one is."),
        C("reason", "VARCHAR", "Why the record was not ingested."),
        C("raw", "VARCHAR", "The raw record, truncated to 10,000 characters."),
        C(
            "source_sha256",
            "VARCHAR",
            "sha256 of the input file ('sha256:...'): a re-ingest of the "
            "same content does not quarantine the same record twice.",
        ),
    ),
)
RUNS = Table(
    "runs",
    "Every command that changed the workspace, with its parameters and inputs.",
    (
        C("run_id", "VARCHAR", "Unique id of the run (time-ordered).", nullable=False),
        C("command", "VARCHAR", "The command, e.g. 'ingest', 'detect'."),
        C("parameters", "JSON", "All parameters, defaults filled in."),
        C("inputs", "JSON", "Input files: path, sha256 ('sha256:...') and size."),
        C("row_counts", "JSON", "Rows read / written per file and table."),
        C("ioscope_version", "VARCHAR", "Version of ioscope that ran."),
        C("started_at", "TIMESTAMP", "Start, UTC."),
        C("finished_at", "TIMESTAMP", "End, UTC."),
        C("status", "VARCHAR", "ok (failed runs leave no trace: the workspace is rolled back)."),
    ),
    primary_key=("run_id",),
)
METADATA = Table(
    "metadata",
    "Key/value facts about the workspace: schema_version, ioscope_version, created_at.",
    (C("key", "VARCHAR", "Name.", nullable=False), C("value", "VARCHAR", "Value.")),
    primary_key=("key",),
)

register(
    METADATA,
    RUNS,
    ACCOUNTS,
    POSTS,
    REFERENCED_ACCOUNTS,
    REFERENCED_POSTS,
    ACCOUNT_ATTRIBUTES,
    QUARANTINE,
)
