"""Which carriers the demo zone has: the five named in the 2024 report, then invented ones.

The roster is a prefix-stable sequence: carrier i is the same whatever the
scale, so a larger run extends a smaller one instead of contradicting it.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from carriers.choices import Industry
from carriers.demo.vocab import KIND_SUFFIXES, OPERATORS, PLACES, ROADS, THEMES
from carriers.models import Carrier

K = Carrier.Kind
L = Carrier.Level


@dataclass(frozen=True)
class CarrierSpec:
    index: int
    code: str
    name: str
    kind: str
    level: str
    industry: str
    operator: str
    address: str
    weight: float  # relative size, in units
    opened_days_ago: int
    turnkey_share: float  # of office, co-working and lab units
    demand: float  # how quickly vacant space is let again, 0..1


# DESIGN.md §2. Codes are fixed: they key idempotent reruns.
NAMED: tuple[CarrierSpec, ...] = (
    CarrierSpec(
        index=0,
        code="ycl-rdhq2",
        name="阳澄湖两岸科创中心研发总部二期",
        kind=K.RD_HEADQUARTERS,
        level=L.PROVINCIAL,
        industry=Industry.MIXED,
        operator="昆山高新集团有限公司",
        address="江苏省昆山市高新区阳澄湖大道2号",
        weight=2.6,
        opened_days_ago=560,
        turnkey_share=0.6,
        demand=0.85,
    ),
    CarrierSpec(
        index=1,
        code="nhz-icc",
        name="国家高新区集成创新中心",
        kind=K.INNOVATION_CENTRE,
        level=L.NATIONAL,
        industry=Industry.ELECTRONICS,
        operator="昆山高新创业投资有限公司",
        address="江苏省昆山市高新区前进西路1801号",
        weight=1.8,
        opened_days_ago=2300,
        turnkey_share=0.4,
        demand=0.85,
    ),
    CarrierSpec(
        index=2,
        code="sino-eu-itc",
        name="中欧海外人才技术创新中心",
        kind=K.INNOVATION_CENTRE,
        level=L.PROVINCIAL,
        industry=Industry.ADVANCED_EQUIPMENT,
        operator="昆山市科技创业服务中心",
        address="江苏省昆山市高新区祖冲之南路1666号",
        weight=1.0,
        opened_days_ago=1800,
        turnkey_share=0.45,
        demand=0.75,
    ),
    CarrierSpec(
        index=3,
        code="gmv-kunshan",
        name="德国医谷长三角（昆山）创新中心",
        kind=K.INCUBATOR,
        level=L.PROVINCIAL,
        industry=Industry.LIFE_HEALTH,
        operator="昆山国科创业投资有限公司",
        address="江苏省昆山市高新区晨丰路188号",
        weight=1.0,
        opened_days_ago=1500,
        turnkey_share=0.5,
        demand=0.8,
    ),
    CarrierSpec(
        index=4,
        code="furong-gv",
        name="昆山复容绿谷未来创新中心",
        kind=K.INNOVATION_CENTRE,
        level=L.MUNICIPAL,
        industry=Industry.BIOMEDICINE,
        operator="昆山阳澄湖科技园有限公司",
        address="江苏省昆山市高新区元丰路99号",
        weight=1.2,
        opened_days_ago=900,
        turnkey_share=0.45,
        demand=0.7,
    ),
)

# How invented carriers are spread over kinds, and the code prefix of each.
KIND_WEIGHTS: tuple[tuple[str, int], ...] = (
    (K.INCUBATOR, 28),
    (K.MAKER_SPACE, 18),
    (K.ACCELERATOR, 14),
    (K.INDUSTRIAL_PARK, 16),
    (K.INNOVATION_CENTRE, 12),
    (K.RD_HEADQUARTERS, 12),
)
CODE_PREFIX = {
    K.INCUBATOR: "inc",
    K.MAKER_SPACE: "mks",
    K.ACCELERATOR: "acc",
    K.INDUSTRIAL_PARK: "ipk",
    K.INNOVATION_CENTRE: "inn",
    K.RD_HEADQUARTERS: "rdh",
}
# Typical size (units) of a carrier of each kind, relative to the mean.
KIND_SIZE = {
    K.INCUBATOR: 1.0,
    K.MAKER_SPACE: 0.35,
    K.ACCELERATOR: 0.8,
    K.INDUSTRIAL_PARK: 0.7,
    K.INNOVATION_CENTRE: 1.2,
    K.RD_HEADQUARTERS: 1.4,
}
KIND_TURNKEY = {
    K.INCUBATOR: 0.5,
    K.MAKER_SPACE: 0.75,
    K.ACCELERATOR: 0.3,
    K.INDUSTRIAL_PARK: 0.1,
    K.INNOVATION_CENTRE: 0.4,
    K.RD_HEADQUARTERS: 0.35,
}
LEVELS: tuple[tuple[str, int], ...] = (
    (L.NATIONAL, 12),
    (L.PROVINCIAL, 28),
    (L.MUNICIPAL, 35),
    (L.NONE, 25),
)
ORDINALS = "二三四五六七八九"


def _weighted(rng: random.Random, pairs: tuple[tuple[str, int], ...]) -> str:
    values = [value for value, _ in pairs]
    return rng.choices(values, weights=[w for _, w in pairs])[0]


def _invented(rng: random.Random, index: int, pairs: list[tuple[str, str, str]]) -> CarrierSpec:
    kind = _weighted(rng, KIND_WEIGHTS)
    place, theme, industry = pairs[(index - len(NAMED)) % len(pairs)]
    # No "科技创业创业孵化基地": a theme ending in 创业 takes a suffix that does not repeat it.
    suffixes = [s for s in KIND_SUFFIXES[kind] if theme[-2:] != s[:2]]
    suffix = rng.choice(suffixes)
    # Past the (place, theme) pairs, later carriers become further phases.
    lap = (index - len(NAMED)) // len(pairs)
    phase = f"{ORDINALS[(lap - 1) % len(ORDINALS)]}期" if lap else ""
    return CarrierSpec(
        index=index,
        code=f"{CODE_PREFIX[kind]}{index:03d}",
        name=f"昆山{place}{theme}{suffix}{phase}",
        kind=kind,
        level=_weighted(rng, LEVELS),
        industry=industry,
        operator=rng.choice(OPERATORS),
        address=f"江苏省昆山市高新区{rng.choice(ROADS)}{rng.randint(1, 899)}号",
        weight=KIND_SIZE[kind] * rng.lognormvariate(0, 0.4),
        opened_days_ago=rng.randint(3 * 365, 12 * 365),
        turnkey_share=KIND_TURNKEY[kind],
        demand=rng.uniform(0.55, 0.9),
    )


def carrier_roster(*, seed: int, count: int) -> list[CarrierSpec]:
    """The first `count` carriers of the zone for this seed (named ones first)."""
    rng = random.Random(f"zaiti-roster/{seed}")
    pairs = [(place, theme, industry) for place in PLACES for theme, industry in THEMES]
    rng.shuffle(pairs)
    roster = list(NAMED[:count])
    for index in range(len(NAMED), count):
        roster.append(_invented(rng, index, pairs))
    return roster


def carrier_count(scale: float) -> int:
    """About 60 carriers at scale 1; at least two (the demo manager manages two)."""
    return max(2, round(60 * scale))
