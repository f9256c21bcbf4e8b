"""How often the impact summary names the right segments, and only them.

    python bench/impact_eval.py [--seeds 1 2 3 4] [--incidents 100] [--verbose]

For each seed: a synthetic accounts directory of 2,000 accounts (region, tier, account
number, platform, version, features, with uneven shares), then randomized incidents:

- planted: 1 or 2 of region, account-number range (2 to 4 adjacent leading digits; with
  ``--finer SHARE``, that share of ranges are 1 to 3 adjacent two-digit prefixes such as
  34…–35… instead), version, platform, feature, each a minority of the accounts (at most
  20%, a range 35%); 15 to 60 reports, 60-90% of them from accounts in the planted
  segments, the
  rest drawn like the customer base. Two planted segments are either two causes (the
  planted reports shared evenly between them) or one cause where they meet (Android
  within eu-south: the planted reports from accounts in both), half the time each;
- null: every report drawn like the customer base.

Each incident goes through the real aggregation and analysis on a real SQLite database
(``build_summary``) and is scored on what its summary names: recall (every planted
segment named, exactly), false calls (a planted incident naming anything else) and null
clean (a null incident naming nothing). Each failure gets a line; the figures are also
given by number of reports. Aims: recall >= 95%, false calls <= 5%, null clean >= 95%.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import Engine, insert

from bot.config import Settings
from bot.db import make_engine, make_session_factory, upgrade
from bot.models import Account, AccountFeature, Incident, Report, ReportFeature
from bot.services.impact.model import DimensionKey
from bot.services.impact.summary import build_summary

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
ACCOUNTS = 2_000
REGIONS = {"us-east": 20, "us-west": 14, "ca-central": 5, "sa-east": 4, "eu-west": 14,
           "eu-central": 9, "eu-north": 5, "eu-south": 6, "ap-south": 6, "ap-southeast": 7,
           "ap-northeast": 6, "me-central": 4}  # fmt: skip
TIERS = {"standard": 70, "premium": 20, "enterprise": 10}
PLATFORMS = {"web": 40, "ios": 22, "android": 25, "desktop": 9, "api": 4}
VERSIONS = {"5.1": 8, "5.0": 22, "4.9": 25, "4.8": 20, "4.7": 12, "4.6": 8, "4.5": 5}
FEATURES = {"Teapot Customization": 0.08, "SSO": 0.3, "Webhooks": 0.2, "Exports": 0.45,
            "Audit log": 0.15, "Multi-currency": 0.25}  # fmt: skip
DIGIT_WEIGHTS = dict(zip("123456789", (14, 13, 12, 12, 11, 11, 10, 9, 8), strict=True))
PLANTABLE = ("region", "partition", "version", "platform", "feature")
# Largest baseline share a planted segment may have: a cause hits a minority of accounts.
MAX_PLANTED_SHARE = 0.2
MAX_PLANTED_RANGE_SHARE = 0.35
BUCKETS = ((15, 24), (25, 39), (40, 60))


@dataclass(frozen=True)
class Customer:
    account_id: str
    region: str
    tier: str
    platform: str
    version: str
    features: tuple[str, ...]

    def values(self, key: str) -> set[str]:
        if key == "partition":
            return {self.account_id[:1], self.account_id[:2]}
        if key == "feature":
            return set(self.features)
        return {getattr(self, key)}


@dataclass(frozen=True)
class Planted:
    key: str
    values: frozenset[str]

    def __str__(self) -> str:
        if self.key == "partition":
            digits = sorted(self.values)
            if len(digits) == 1:
                return f"account numbers {digits[0]}…"
            return f"account numbers {digits[0]}…–{digits[-1]}…"
        return f"{self.key} {next(iter(self.values))}"


@dataclass
class Score:
    planted: int = 0
    planted_segments: int = 0
    named_segments: int = 0
    recalled_incidents: int = 0
    false_calls: int = 0
    null: int = 0
    null_clean: int = 0
    failures: list[str] = field(default_factory=list)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3, 4])
    parser.add_argument("--incidents", type=int, default=100, help="per seed (60%% planted)")
    parser.add_argument("--verbose", action="store_true", help="print every incident")
    parser.add_argument(
        "--finer",
        type=float,
        default=0.0,
        help="share of planted ranges that are two-digit prefixes (34…–35…) instead of digits",
    )
    args = parser.parse_args(argv)
    overall = Score()
    by_bucket: dict[tuple[int, int], Score] = defaultdict(Score)
    for seed in args.seeds:
        with tempfile.TemporaryDirectory() as folder:
            engine = make_engine(f"sqlite:///{folder}/eval.db")
            upgrade(engine)
            run_seed(
                engine, seed, args.incidents, overall, by_bucket, args.finer, verbose=args.verbose
            )
            engine.dispose()
    for line in overall.failures:
        print(line)
    print()
    print(report_line("all", overall))
    for bucket in BUCKETS:
        print(report_line(f"{bucket[0]}-{bucket[1]} reports", by_bucket[bucket]))
    ok = (
        rate(overall.named_segments, overall.planted_segments) >= 0.95
        and rate(overall.false_calls, overall.planted) <= 0.05
        and rate(overall.null_clean, overall.null) >= 0.95
    )
    print("aims met" if ok else "AIMS NOT MET")
    return 0


def run_seed(
    engine: Engine,
    seed: int,
    incidents: int,
    overall: Score,
    by_bucket: dict[tuple[int, int], Score],
    finer: float,
    *,
    verbose: bool,
) -> None:
    rng = random.Random(seed)
    customers = load_directory(engine, rng)
    sessions = make_session_factory(engine)
    settings = Settings(_env_file=None)
    for number in range(incidents):
        planted = plant(rng, customers, finer) if number % 5 < 3 else []
        size = rng.randint(15, 60)
        share = rng.uniform(0.6, 0.9) if planted else 0.0
        meet = len(planted) == 2 and rng.random() < 0.5
        reporters = draw_reports(rng, customers, planted, size, share, meet=meet)
        incident_id = load_incident(engine, reporters, number)
        with sessions() as session:
            incident = session.get(Incident, incident_id)
            summary = build_summary(session, settings, incident, NOW)
        named = [
            (str(f.dimension), frozenset(f.values))
            for f in summary.findings
            if f.dimension is not DimensionKey.tier
        ]
        tag = f"seed {seed} #{number}: {size} reports{' (where they meet)' if meet else ''}"
        bucket = next(b for b in BUCKETS if b[0] <= size <= b[1])
        for score in (overall, by_bucket[bucket]):
            record(score, tag, planted, share, named, summary.findings)
        if verbose:
            print(tag, [str(p) for p in planted], named)


def record(
    score: Score,
    tag: str,
    planted: list[Planted],
    share: float,
    named: list[tuple[str, frozenset[str]]],
    findings: tuple[object, ...],
) -> None:
    wanted = {(p.key, p.values) for p in planted}
    if not planted:
        score.null += 1
        if named:
            score.failures.append(f"{tag}, null: named {describe(named)}")
        else:
            score.null_clean += 1
        return
    score.planted += 1
    score.planted_segments += len(planted)
    hits = [p for p in planted if (p.key, p.values) in named]
    score.named_segments += len(hits)
    extra = [n for n in named if n not in wanted]
    if len(hits) == len(planted):
        score.recalled_incidents += 1
    if extra:
        score.false_calls += 1
    if len(hits) < len(planted) or extra:
        missed = [str(p) for p in planted if p not in hits]
        planted_text = ", ".join(str(p) for p in planted)
        print_missed = f" missed {', '.join(missed)}" if missed else ""
        print_extra = f" also named {describe(extra)}" if extra else ""
        score.failures.append(
            f"{tag}, planted {planted_text} ({share:.0%}):{print_missed}{print_extra}"
        )


def describe(named: list[tuple[str, frozenset[str]]]) -> str:
    return "; ".join(f"{key} {'/'.join(sorted(values))}" for key, values in named)


def rate(part: int, whole: int) -> float:
    return part / whole if whole else 1.0


def report_line(name: str, score: Score) -> str:
    return (
        f"{name:>16}: recall {rate(score.named_segments, score.planted_segments):6.1%} "
        f"of {score.planted_segments} planted segments "
        f"({rate(score.recalled_incidents, score.planted):.1%} of incidents fully), "
        f"false calls {rate(score.false_calls, score.planted):5.1%} of {score.planted} planted "
        f"incidents, null clean {rate(score.null_clean, score.null):6.1%} of {score.null}"
    )


def weighted(rng: random.Random, weights: dict[str, float]) -> str:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def load_directory(engine: Engine, rng: random.Random) -> list[Customer]:
    customers = []
    for index in range(ACCOUNTS):
        features = tuple(f for f, p in FEATURES.items() if rng.random() < p)
        customers.append(
            Customer(
                account_id=f"{weighted(rng, DIGIT_WEIGHTS)}{rng.randrange(10)}{index:05d}",
                region=weighted(rng, REGIONS),
                tier=weighted(rng, TIERS),
                platform=weighted(rng, PLATFORMS),
                version=weighted(rng, VERSIONS),
                features=features,
            )
        )
    with engine.begin() as connection:
        connection.execute(
            insert(Account),
            [
                {"account_id": c.account_id, "name": f"Customer {c.account_id}",
                 "region": c.region, "tier": c.tier, "vip": False, "platform": c.platform,
                 "product_version": c.version, "updated_at": NOW}
                for c in customers
            ],
        )  # fmt: skip
        connection.execute(
            insert(AccountFeature),
            [{"account_id": c.account_id, "feature": f} for c in customers for f in c.features],
        )
    return customers


def plant(rng: random.Random, customers: list[Customer], finer: float) -> list[Planted]:
    keys = rng.sample(PLANTABLE, rng.choice((1, 1, 2)))
    planted = []
    for key in keys:
        for _ in range(100):
            candidate = candidate_segment(rng, key, finer)
            members = sum(1 for c in customers if c.values(key) & candidate.values)
            limit = MAX_PLANTED_RANGE_SHARE if key == "partition" else MAX_PLANTED_SHARE
            if 0 < members <= limit * len(customers):
                planted.append(candidate)
                break
    return planted


def candidate_segment(rng: random.Random, key: str, finer: float) -> Planted:
    if key == "partition" and rng.random() < finer:
        length = rng.randint(1, 3)
        start = rng.randint(10, 100 - length)
        return Planted(key, frozenset(str(d) for d in range(start, start + length)))
    if key == "partition":
        length = rng.randint(2, 4)
        start = rng.randint(1, 10 - length)
        return Planted(key, frozenset(str(d) for d in range(start, start + length)))
    choices = {"region": REGIONS, "version": VERSIONS, "platform": PLATFORMS, "feature": FEATURES}
    return Planted(key, frozenset({rng.choice(list(choices[key]))}))


def draw_reports(
    rng: random.Random,
    customers: list[Customer],
    planted: list[Planted],
    size: int,
    share: float,
    *,
    meet: bool = False,
) -> list[Customer]:
    pools = [[c for c in customers if c.values(p.key) & p.values] for p in planted]
    if meet:
        both = [c for c in pools[0] if c in pools[1]]
        pools = [both] if both else pools
    return [
        rng.choice(rng.choice(pools)) if pools and rng.random() < share else rng.choice(customers)
        for _ in range(size)
    ]


def load_incident(engine: Engine, reporters: list[Customer], number: int) -> int:
    """The reports as the report service files them: region and tier from the account."""
    opened = NOW - timedelta(hours=2)
    with engine.begin() as connection:
        incident_id = connection.execute(
            insert(Incident).returning(Incident.id),
            {"channel_id": f"CEVAL{number}", "channel_name": f"eval-{number}", "title": "Eval",
             "severity": "sev3", "status": "open", "opened_at": opened},
        ).scalar_one()  # fmt: skip
        ids = connection.execute(
            insert(Report).returning(Report.id),
            [
                {"incident_id": incident_id, "account_id": c.account_id,
                 "customer_name": f"Customer {c.account_id}", "customer_key": c.account_id,
                 "region": c.region, "tier": c.tier, "vip": False, "product_version": c.version,
                 "platform": c.platform, "summary": "Eval", "owner_user_id": "UAGENT",
                 "reported_by": "UAGENT", "created_at": opened + timedelta(minutes=i % 90)}
                for i, c in enumerate(reporters)
            ],
        ).scalars().all()  # fmt: skip
        features = [
            {
                "report_id": report_id,
                "feature": feature,
                "incident_id": incident_id,
                "customer_key": c.account_id,
            }
            for report_id, c in zip(ids, reporters, strict=True)
            for feature in c.features
        ]
        if features:
            connection.execute(insert(ReportFeature), features)
    return int(incident_id)


if __name__ == "__main__":
    sys.exit(main())
