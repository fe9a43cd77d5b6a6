"""The demo's figures (tools.samples): what each province reports for winter_warmth, drawn per
million residents so that Guangdong's numbers dwarf Qinghai's, matching the press where the press
gave a figure, with some cells left blank on purpose. Deterministic: a seeded generator per
province and period.
"""

from __future__ import annotations

import random
from decimal import Decimal

from provincial_reports.declarations import provinces
from provincial_reports.tools.builders.winter_warmth import FUND_COLUMNS, FUNDS, Row, money, split_funds, unit_row

SEED = "winter-warmth-demo"

# --- who the provinces are ------------------------------------------------------------------------

# Residents in millions (2020 census, rounded): every figure is drawn per million residents so
# that Guangdong's numbers dwarf Qinghai's, as they would.
POPULATION = {
    "110000": 22, "120000": 14, "130000": 75, "140000": 35, "150000": 24, "210000": 43,
    "220000": 24, "230000": 32, "310000": 25, "320000": 85, "330000": 65, "340000": 61,
    "350000": 41, "360000": 45, "370000": 102, "410000": 99, "420000": 58, "430000": 66,
    "440000": 126, "450000": 50, "460000": 10, "500000": 32, "510000": 84, "520000": 39,
    "530000": 47, "540000": 4, "610000": 40, "620000": 25, "630000": 6, "640000": 7, "650000": 26,
}  # fmt: skip

# The city rows each province breaks out (GB/T 2260 prefecture-level codes). The municipalities
# have no prefecture-level cities; their only XXYY00 unit is the 市辖区 (urban districts).
CITIES = {
    "110000": {"110100": "北京市市辖区"},
    "120000": {"120100": "天津市市辖区"},
    "130000": {"130100": "石家庄市", "130200": "唐山市", "130600": "保定市"},
    "140000": {"140100": "太原市", "140200": "大同市"},
    "150000": {"150100": "呼和浩特市", "150200": "包头市"},
    "210000": {"210100": "沈阳市", "210200": "大连市"},
    "220000": {"220100": "长春市"},
    "230000": {"230100": "哈尔滨市", "230200": "齐齐哈尔市", "230600": "大庆市"},
    "310000": {"310100": "上海市市辖区"},
    "320000": {"320100": "南京市", "320500": "苏州市", "320600": "南通市"},
    "330000": {"330100": "杭州市", "330200": "宁波市", "330300": "温州市"},
    "340000": {"340100": "合肥市", "340200": "芜湖市"},
    "350000": {"350100": "福州市", "350200": "厦门市"},
    "360000": {"360100": "南昌市", "360400": "九江市", "360700": "赣州市"},
    "370000": {"370100": "济南市", "370200": "青岛市", "370600": "烟台市"},
    "410000": {"410100": "郑州市", "410300": "洛阳市"},
    "420000": {"420100": "武汉市", "420500": "宜昌市"},
    "430000": {"430100": "长沙市", "430200": "株洲市"},
    "440000": {"440100": "广州市", "440300": "深圳市", "441900": "东莞市"},
    "450000": {"450100": "南宁市", "450200": "柳州市"},
    "460000": {"460100": "海口市", "460200": "三亚市"},
    "500000": {"500100": "重庆市市辖区"},
    "510000": {"510100": "成都市", "510700": "绵阳市"},
    "520000": {"520100": "贵阳市", "520300": "遵义市"},
    "530000": {"530100": "昆明市", "530300": "曲靖市"},
    "540000": {"540100": "拉萨市"},
    "610000": {"610100": "西安市", "610300": "宝鸡市"},
    "620000": {"620100": "兰州市"},
    "630000": {"630100": "西宁市"},
    "640000": {"640100": "银川市", "640200": "石嘴山市"},
    "650000": {"650100": "乌鲁木齐市", "650200": "克拉玛依市"},
}

# --- what they report -----------------------------------------------------------------------------

# Per million residents, calibrated on the press figures below (Jiangxi: 4,820 of 10k yuan for
# 45 million people; Heilongjiang: 100 job fairs, 10,000 jobs, 4,000 trainees for 32 million).
# funds_holiday and funds_regular are not drawn: they split funds_total, to the cent.
PER_MILLION = {
    "funds_total": 107,
    "visiting_teams": 0.25,
    "enterprises_visited": 28,
    "workers_hardship": 1400,
    "workers_migrant": 900,
    "workers_new_forms": 450,
    "workers_frontline": 1800,
    "model_workers": 55,
    "wage_arrears_cases": 9,
    "legal_aid_cases": 16,
    "job_fairs": 3.2,
    "jobs_offered": 320,
    "trainees": 130,
    "recuperation_participants": 1000,
}
# The 2025 campaign as the press reported it, by unit code.
PRESS = {
    "360000": {"funds_total": 4820, "funds_holiday": 2434, "funds_regular": 2386, "visiting_teams": 11},
    "320600": {"recuperation_participants": 7600},
    "230000": {"trainees": 4000, "job_fairs": 100, "jobs_offered": 10000},
}
PRESS_PERIOD = "2025-01"

# Cells left blank on purpose: not reported is not zero, and the totals must say so.
NOT_REPORTED = {
    "630000": ("model_workers", "workers_new_forms"),  # Qinghai's own row
    "460000": ("jobs_offered",),  # Hainan's own row
    "460200": ("legal_aid_cases",),  # Sanya only
    "640000": ("funds_holiday", "funds_regular"),  # Ningxia gives the total without the split
}


def figures(province: str, period: str) -> list[Row]:
    """The province's own row then its cities, consistent by construction: funds split exactly,
    every city well under its province (each city takes 8–22 % of it, at most three cities)."""
    rng = random.Random(f"{SEED}/{province}/{period}")
    people = POPULATION[province]
    own: Row = {name: rate * people * rng.uniform(0.75, 1.25) for name, rate in PER_MILLION.items()}
    own = {name: money(value) if name == FUNDS.total else max(1, int(value)) for name, value in own.items()}
    own.update(split_funds(own[FUNDS.total], rng.uniform(0.45, 0.6)))
    if period == PRESS_PERIOD:
        own.update({k: money(v) if k in FUND_COLUMNS else v for k, v in PRESS.get(province, {}).items()})
    rows = [_unit_row(period, province, _union_name(provinces()[province].name_zh), own)]
    for code, name in CITIES[province].items():
        share = rng.uniform(0.08, 0.22)
        city: Row = {m: int(v * share * rng.uniform(0.85, 1.15)) for m, v in own.items() if m not in FUND_COLUMNS}
        city_total = money(own[FUNDS.total] * Decimal(share))
        holiday_share = own[FUNDS.parts[0]] / own[FUNDS.total] + Decimal(rng.uniform(-0.04, 0.04))
        city.update({FUNDS.total: city_total, **split_funds(city_total, holiday_share)})
        if period == PRESS_PERIOD:
            city.update(PRESS.get(code, {}))
        rows.append(_unit_row(period, code, _union_name(name), city))
    return rows


def _union_name(region: str) -> str:
    return f"{region}总工会"


def _unit_row(period: str, code: str, name: str, metrics: Row) -> Row:
    row = unit_row(period, code, name, metrics)
    for blank in NOT_REPORTED.get(code, ()):
        row[blank] = None
    return row
