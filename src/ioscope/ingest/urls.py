"""URL normalization and registered domains.

Normalization: lower-case scheme and host, drop default ports, the fragment, tracking parameters
(utm_*, fbclid, gclid, ...) and a trailing slash on the path; keep the other query parameters in
their order. Registered domains come from tldextract with its bundled public-suffix snapshot and
never from the network.
"""

from __future__ import annotations

import functools
import re
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

__all__ = ["normalize_url", "registered_domain", "TRACKING_PARAMS"]

#: Query parameters that identify a click or a campaign, not the resource.
TRACKING_PARAMS = frozenset(
    {
        "fbclid",
        "gclid",
        "dclid",
        "gclsrc",
        "msclkid",
        "yclid",
        "igshid",
        "mc_cid",
        "mc_eid",
        "_ga",
        "_gl",
        "ref_src",
        "ref_url",
        "cmpid",
        "s_cid",
        "mkt_tok",
        "twclid",
        "ttclid",
        "wt.mc_id",
        "ncid",
        "ocid",
        "spm",
        "share",
        "smid",
        "sr_share",
        "feature",
    }
)
_TRACKING_PREFIXES = ("utm_", "hsa_", "pk_", "mtm_")
_DEFAULT_PORTS = {"http": 80, "https": 443}
_SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*://")


@functools.cache
def _extractor():
    """The bundled public-suffix snapshot only: no fetch, no cache directory writes. Made on
    first use (tldextract imports an HTTP client: a tenth of a second of start-up)."""
    import tldextract

    return tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None)


def _is_tracking(key: str) -> bool:
    k = key.lower()
    return k in TRACKING_PARAMS or k.startswith(_TRACKING_PREFIXES)


@functools.lru_cache(maxsize=200_000)
def normalize_url(url: str | None) -> str | None:
    """The normalized form of ``url``, or None when it is not a URL.

    >>> normalize_url("HTTPS://Example.COM:443/a/?utm_source=x&id=3#top")
    'https://example.com/a?id=3'
    """
    if url is None:
        return None
    url = url.strip()
    if not url:
        return None
    if not _SCHEME.match(url):
        if url.startswith("//"):
            url = "http:" + url
        elif "." in url.split("/", 1)[0] and " " not in url:
            url = "http://" + url
        else:
            return None
    try:
        parts = urlsplit(url)
        scheme = parts.scheme.lower()
        host = (parts.hostname or "").lower().rstrip(".")
        port = parts.port
    except ValueError:
        return None
    if not host:
        return None
    netloc = host
    if parts.username:
        netloc = parts.username + (":" + parts.password if parts.password else "") + "@" + netloc
    if port is not None and port != _DEFAULT_PORTS.get(scheme):
        netloc += f":{port}"
    query = [
        (k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not _is_tracking(k)
    ]
    path = parts.path or ""
    if path.endswith("/"):
        path = path.rstrip("/")
    return urlunsplit((scheme, netloc, path, urlencode(query, doseq=True), ""))


@functools.lru_cache(maxsize=200_000)
def registered_domain(url: str | None) -> str | None:
    """The registered domain (eTLD+1) of a URL or host name, lower-case.

    >>> registered_domain("https://www.bbc.co.uk/news")
    'bbc.co.uk'
    """
    if not url:
        return None
    try:
        host = urlsplit(url if _SCHEME.match(url) else "http://" + url).hostname or ""
    except ValueError:
        return None
    if not host:
        return None
    ext = _extractor()(host)
    if ext.domain and ext.suffix:
        return f"{ext.domain}.{ext.suffix}".lower()
    if ext.domain:  # an IP address or a host without a public suffix
        return ext.domain.lower()
    return None
