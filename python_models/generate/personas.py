"""The latent personas that drive every simulated behaviour.

Each simulated person belongs to exactly one persona (written to `ground_truth/people.csv`, never to
the landing files). A persona is a bundle of distributions; the simulation draws each person's own
parameters from them, so people of one persona are alike but not identical:

* demographics: age ~ Normal(age_mean, age_sd) clipped to 18-88, female share, a preference over
  the urbanity and the income band of the postcode they live in (the partner enrichment file
  carries both, so the persona is partly recoverable from the postcode);
* commerce: orders per year (Poisson with a Gamma(order_shape) person multiplier, i.e. negative
  binomial counts), order lines 1 + Binomial(3, extra_line_p), line amount lognormal around
  `basket_median` EUR x the category price level, a category mix (a person's own mix is
  Dirichlet(category_concentration x category_mix)), the order channel mix;
* web: browsing sessions per year, page views per non-bounced session, seconds per page
  (lognormal median), bounce probability, device mix, share of sessions logged in, traffic source mix;
* social: probability of having an account on each platform and interactions per year there,
  mix of interaction types;
* marketing: probability of marketing consent, e-mail open and click (given open) rates, unsubscribe
  rate per message, campaign conversion base rate (control group, per campaign window) and how
  strongly the persona responds to campaigns (`uplift_scale`, multiplies each campaign's effect);
* lifecycle: `lapses` personas buy in the first `lapse_after` fraction of the period only;
* data quality: multipliers on the birth-date omission rate (MNAR), presence in each contact system.

Shares add up to 1. Edit this table to change the simulated company; everything else reads it.

Each persona has a signature in several observed features at once (age band, area, channel, device,
traffic source, category, recency) and people of one persona vary moderately around it, so that
segmentation can recover the personas from what the pipeline observes (issue 5: adjusted Rand index
>= 0.85 on the demo lake; bench/RESULTS.md, "Persona recovery"). With broader personas the spread
within a persona, mostly one shared activity-volume direction, hid them: even their true centroids
reached only ARI 0.75. The retuning kept the landed volumes per person within a few per cent.
"""

from __future__ import annotations

from dataclasses import dataclass, field

CATEGORIES = ("fashion", "beauty", "home", "sport", "electronics", "kids")
# Median price of one unit per category relative to a persona's basket_median.
CATEGORY_PRICE = {"fashion": 1.0, "beauty": 0.55, "home": 1.3, "sport": 1.1, "electronics": 2.6, "kids": 0.7}
PLATFORMS = ("instagram", "facebook", "tiktok", "x", "linkedin", "youtube")
INTERACTIONS = ("like", "comment", "share", "follow", "mention", "click")
DEVICES = ("desktop", "mobile", "tablet")
URBANITY = ("urban", "suburban", "rural")
INCOME = ("low", "lower_middle", "upper_middle", "high")
CHANNELS = ("web", "app", "marketplace")
# Traffic sources of sessions that do not come from a campaign message.
TRAFFIC = ("direct", "organic", "cpc", "social", "affiliate", "referral")


@dataclass(frozen=True)
class Persona:
    name: str
    share: float
    description: str
    # demographics
    age_mean: float
    age_sd: float
    female_share: float
    urbanity: dict[str, float]
    income: dict[str, float]
    # commerce
    order_rate: float  # orders per year (population mean of the persona)
    order_shape: float  # Gamma shape of the person multiplier (small = more spread)
    extra_line_p: float  # lines per order = 1 + Binomial(3, p)
    basket_median: float  # EUR, median unit price before category level
    basket_sigma: float  # lognormal sigma of unit price
    category_mix: dict[str, float]
    category_concentration: float
    channel_mix: dict[str, float]
    # web
    session_rate: float  # browsing sessions per year (besides purchase and campaign-click sessions)
    pages_mean: float  # mean page views of a non-bounced session
    page_seconds: float  # median seconds on a page
    bounce: float
    device_mix: dict[str, float]
    login_rate: float  # share of sessions of account holders that log in
    cart_abandon: float  # probability a non-purchase session adds to cart
    traffic_mix: dict[str, float]
    # social
    social_presence: dict[str, float]  # probability of an account per platform
    social_rate: dict[str, float]  # interactions per year on that platform when present
    interaction_mix: dict[str, float]
    # marketing
    consent_rate: float
    email_open: float
    email_click: float  # given open
    unsubscribe: float  # per treated message
    base_conversion: float  # control-group conversion probability per campaign window
    uplift_scale: float  # multiplies a campaign's base effect for this persona
    # lifecycle
    lapses: bool = False
    lapse_after: tuple[float, float] = (1.0, 1.0)  # stop buying after U(a, b) x period
    # data quality and presence in contact systems
    birth_date_missing_mult: float = 1.0
    systems: dict[str, float] = field(default_factory=lambda: {"crm": 0.55, "eshop": 0.72, "events": 0.18})


def _mix(**kw: float) -> dict[str, float]:
    return dict(kw)


PERSONAS: dict[str, Persona] = {
    "loyal_high_value": Persona(
        name="loyal_high_value",
        share=0.12,
        description="Frequent buyers with big baskets on the web shop; read and click e-mails; 45-60, high income, urban, desktop.",
        age_mean=52, age_sd=7, female_share=0.55,
        urbanity=_mix(urban=0.6, suburban=0.35, rural=0.05),
        income=_mix(low=0.02, lower_middle=0.06, upper_middle=0.32, high=0.6),
        order_rate=4.2, order_shape=18, extra_line_p=0.35, basket_median=75, basket_sigma=0.45,
        category_mix=_mix(fashion=0.3, beauty=0.12, home=0.25, sport=0.08, electronics=0.22, kids=0.03),
        category_concentration=12.0,
        channel_mix=_mix(web=0.82, app=0.15, marketplace=0.03),
        session_rate=2.5, pages_mean=3.2, page_seconds=60, bounce=0.1,
        device_mix=_mix(desktop=0.8, mobile=0.15, tablet=0.05),
        login_rate=0.85, cart_abandon=0.15,
        traffic_mix=_mix(direct=0.55, organic=0.2, cpc=0.08, social=0.03, affiliate=0.04, referral=0.1),
        social_presence=_mix(instagram=0.35, facebook=0.5, tiktok=0.05, x=0.1, linkedin=0.4, youtube=0.3),
        social_rate=_mix(instagram=2.0, facebook=2.0, tiktok=1.0, x=1.0, linkedin=2.0, youtube=1.0),
        interaction_mix=_mix(like=0.55, comment=0.15, share=0.05, follow=0.05, mention=0.05, click=0.15),
        consent_rate=0.92, email_open=0.65, email_click=0.3, unsubscribe=0.001,
        base_conversion=0.05, uplift_scale=0.4,
        systems={"crm": 0.8, "eshop": 0.95, "events": 0.3},
    ),
    "bargain_hunter": Persona(
        name="bargain_hunter",
        share=0.20,
        description="Frequent small baskets bought on promotions and marketplaces; come through affiliates; click promo e-mails; 25-40, low income.",
        age_mean=34, age_sd=8, female_share=0.5,
        urbanity=_mix(urban=0.35, suburban=0.4, rural=0.25),
        income=_mix(low=0.6, lower_middle=0.3, upper_middle=0.08, high=0.02),
        order_rate=3.0, order_shape=15, extra_line_p=0.2, basket_median=16, basket_sigma=0.4,
        category_mix=_mix(fashion=0.3, beauty=0.2, home=0.15, sport=0.1, electronics=0.15, kids=0.1),
        category_concentration=6.0,
        channel_mix=_mix(web=0.35, app=0.1, marketplace=0.55),
        session_rate=2.0, pages_mean=3.0, page_seconds=15, bounce=0.3,
        device_mix=_mix(desktop=0.45, mobile=0.45, tablet=0.1),
        login_rate=0.8, cart_abandon=0.45,
        traffic_mix=_mix(direct=0.08, organic=0.07, cpc=0.15, social=0.03, affiliate=0.65, referral=0.02),
        social_presence=_mix(instagram=0.3, facebook=0.6, tiktok=0.15, x=0.05, linkedin=0.05, youtube=0.25),
        social_rate=_mix(instagram=1.5, facebook=2.0, tiktok=1.5, x=0.5, linkedin=0.3, youtube=0.8),
        interaction_mix=_mix(like=0.4, comment=0.1, share=0.1, follow=0.05, mention=0.05, click=0.3),
        consent_rate=0.88, email_open=0.5, email_click=0.45, unsubscribe=0.002,
        base_conversion=0.04, uplift_scale=1.6,
        systems={"crm": 0.55, "eshop": 0.92, "events": 0.15},
    ),
    "social_enthusiast": Persona(
        name="social_enthusiast",
        share=0.18,
        description="18-30, urban, very active on Instagram/TikTok, mobile app first, medium spend on fashion/beauty.",
        age_mean=24, age_sd=4, female_share=0.68,
        urbanity=_mix(urban=0.8, suburban=0.16, rural=0.04),
        income=_mix(low=0.25, lower_middle=0.35, upper_middle=0.3, high=0.1),
        order_rate=2.6, order_shape=12, extra_line_p=0.25, basket_median=32, basket_sigma=0.45,
        category_mix=_mix(fashion=0.5, beauty=0.38, home=0.02, sport=0.06, electronics=0.03, kids=0.01),
        category_concentration=16.0,
        channel_mix=_mix(web=0.13, app=0.85, marketplace=0.02),
        session_rate=2.0, pages_mean=2.5, page_seconds=12, bounce=0.6,
        device_mix=_mix(desktop=0.04, mobile=0.92, tablet=0.04),
        login_rate=0.85, cart_abandon=0.25,
        traffic_mix=_mix(direct=0.1, organic=0.07, cpc=0.04, social=0.75, affiliate=0.02, referral=0.02),
        social_presence=_mix(instagram=0.95, facebook=0.2, tiktok=0.8, x=0.25, linkedin=0.05, youtube=0.6),
        social_rate=_mix(instagram=14.0, facebook=1.0, tiktok=10.0, x=2.0, linkedin=0.3, youtube=2.0),
        interaction_mix=_mix(like=0.5, comment=0.15, share=0.12, follow=0.03, mention=0.1, click=0.1),
        consent_rate=0.75, email_open=0.1, email_click=0.15, unsubscribe=0.004,
        base_conversion=0.015, uplift_scale=0.8,
        birth_date_missing_mult=2.2,
        systems={"crm": 0.35, "eshop": 0.92, "events": 0.25},
    ),
    "occasional_browser": Persona(
        name="occasional_browser",
        share=0.25,
        description="Many long web visits from search engines (mostly electronics); almost never buy; 35-60; ignore e-mails.",
        age_mean=46, age_sd=12, female_share=0.4,
        urbanity=_mix(urban=0.4, suburban=0.35, rural=0.25),
        income=_mix(low=0.25, lower_middle=0.3, upper_middle=0.3, high=0.15),
        order_rate=0.03, order_shape=3, extra_line_p=0.15, basket_median=40, basket_sigma=0.6,
        category_mix=_mix(fashion=0.06, beauty=0.03, home=0.12, sport=0.06, electronics=0.68, kids=0.05),
        category_concentration=8.0,
        channel_mix=_mix(web=0.75, app=0.05, marketplace=0.2),
        session_rate=5.0, pages_mean=3.5, page_seconds=90, bounce=0.15,
        device_mix=_mix(desktop=0.55, mobile=0.35, tablet=0.1),
        login_rate=0.7, cart_abandon=0.35,
        traffic_mix=_mix(direct=0.08, organic=0.72, cpc=0.1, social=0.02, affiliate=0.02, referral=0.06),
        social_presence=_mix(instagram=0.3, facebook=0.4, tiktok=0.15, x=0.15, linkedin=0.15, youtube=0.4),
        social_rate=_mix(instagram=1.0, facebook=1.0, tiktok=1.0, x=0.5, linkedin=0.3, youtube=0.8),
        interaction_mix=_mix(like=0.6, comment=0.05, share=0.05, follow=0.1, mention=0.02, click=0.18),
        consent_rate=0.6, email_open=0.08, email_click=0.05, unsubscribe=0.003,
        base_conversion=0.002, uplift_scale=0.6,
        systems={"crm": 0.35, "eshop": 0.9, "events": 0.15},
    ),
    "family_home": Persona(
        name="family_home",
        share=0.15,
        description="35-45 parents; large kids and home baskets; Facebook; tablet; suburban/rural; come direct.",
        age_mean=39, age_sd=4, female_share=0.6,
        urbanity=_mix(urban=0.05, suburban=0.5, rural=0.45),
        income=_mix(low=0.15, lower_middle=0.4, upper_middle=0.35, high=0.1),
        order_rate=3.2, order_shape=18, extra_line_p=0.5, basket_median=38, basket_sigma=0.5,
        category_mix=_mix(fashion=0.06, beauty=0.03, home=0.36, sport=0.03, electronics=0.02, kids=0.5),
        category_concentration=20.0,
        channel_mix=_mix(web=0.65, app=0.25, marketplace=0.1),
        session_rate=1.5, pages_mean=2.5, page_seconds=40, bounce=0.3,
        device_mix=_mix(desktop=0.2, mobile=0.3, tablet=0.5),
        login_rate=0.85, cart_abandon=0.2,
        traffic_mix=_mix(direct=0.45, organic=0.25, cpc=0.1, social=0.15, affiliate=0.03, referral=0.02),
        social_presence=_mix(instagram=0.3, facebook=0.92, tiktok=0.05, x=0.03, linkedin=0.15, youtube=0.35),
        social_rate=_mix(instagram=1.5, facebook=12.0, tiktok=0.5, x=0.3, linkedin=0.3, youtube=1.0),
        interaction_mix=_mix(like=0.5, comment=0.2, share=0.15, follow=0.03, mention=0.02, click=0.1),
        consent_rate=0.8, email_open=0.3, email_click=0.18, unsubscribe=0.0015,
        base_conversion=0.02, uplift_scale=1.1,
        systems={"crm": 0.65, "eshop": 0.92, "events": 0.3},
    ),
    "lapsed": Persona(
        name="lapsed",
        share=0.10,
        description="50-70; bought sport gear regularly early in the period, then stopped (visits too); e-mails mostly ignored.",
        age_mean=60, age_sd=8, female_share=0.52,
        urbanity=_mix(urban=0.35, suburban=0.4, rural=0.25),
        income=_mix(low=0.2, lower_middle=0.35, upper_middle=0.3, high=0.15),
        order_rate=6.0, order_shape=18, extra_line_p=0.25, basket_median=40, basket_sigma=0.5,
        category_mix=_mix(fashion=0.2, beauty=0.08, home=0.12, sport=0.45, electronics=0.1, kids=0.05),
        category_concentration=8.0,
        channel_mix=_mix(web=0.7, app=0.2, marketplace=0.1),
        session_rate=1.5, pages_mean=2.5, page_seconds=30, bounce=0.5,
        device_mix=_mix(desktop=0.5, mobile=0.4, tablet=0.1),
        login_rate=0.75, cart_abandon=0.1,
        traffic_mix=_mix(direct=0.35, organic=0.35, cpc=0.1, social=0.05, affiliate=0.05, referral=0.1),
        social_presence=_mix(instagram=0.25, facebook=0.45, tiktok=0.05, x=0.1, linkedin=0.15, youtube=0.25),
        social_rate=_mix(instagram=0.8, facebook=0.8, tiktok=0.5, x=0.3, linkedin=0.3, youtube=0.5),
        interaction_mix=_mix(like=0.6, comment=0.05, share=0.05, follow=0.1, mention=0.05, click=0.15),
        consent_rate=0.75, email_open=0.05, email_click=0.08, unsubscribe=0.01,
        base_conversion=0.006, uplift_scale=0.9,
        lapses=True, lapse_after=(0.3, 0.5),
        systems={"crm": 0.7, "eshop": 0.9, "events": 0.12},
    ),
}

PERSONA_NAMES = tuple(PERSONAS)


def _check() -> None:
    total = sum(p.share for p in PERSONAS.values())
    if abs(total - 1.0) > 1e-9:
        raise ValueError(f"persona shares add up to {total}, not 1")
    for p in PERSONAS.values():
        for name, mix, keys in [
            ("urbanity", p.urbanity, URBANITY),
            ("income", p.income, INCOME),
            ("category_mix", p.category_mix, CATEGORIES),
            ("channel_mix", p.channel_mix, CHANNELS),
            ("device_mix", p.device_mix, DEVICES),
            ("traffic_mix", p.traffic_mix, TRAFFIC),
            ("social_presence", p.social_presence, PLATFORMS),
            ("social_rate", p.social_rate, PLATFORMS),
            ("interaction_mix", p.interaction_mix, INTERACTIONS),
        ]:
            if set(mix) != set(keys):
                raise ValueError(f"persona {p.name}: {name} must have keys {keys}")


_check()
