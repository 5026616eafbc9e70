"""The Beiguan district (北关区, 安阳市) demo: real streets and named villages/communities from public
records (see docs/glossary.md and ../shared/domain/beiguan.md), filled up to exactly 112 organisations
with invented names, which are flagged `is_demo=True` and shown with a 演示 badge."""

from __future__ import annotations

import random
from dataclasses import dataclass

DISTRICT = ("BG", "北关区")

# (code, name, kind, communities wanted, villages wanted)
STREETS: list[tuple[str, str, str, int, int]] = [
    ("HQL", "红旗路街道", "street", 6, 0),
    ("DTL", "灯塔路街道", "street", 6, 0),
    ("JFL", "解放路街道", "street", 6, 0),
    ("DFY", "豆腐营街道", "street", 6, 0),
    ("HB", "洹北街道", "street", 5, 0),
    ("MHL", "民航路街道", "street", 5, 0),
    ("SGL", "曙光路街道", "street", 4, 0),
    ("ZD", "彰东街道", "street", 3, 17),
    ("ZB", "彰北街道", "street", 2, 24),
    ("BZ", "柏庄镇", "town", 0, 28),
]
TOTAL = 112

# Real names: the seed article and public place-name records. Street placement of the 2002 villages is
# plausible, not recorded (beiguan.md).
REAL_COMMUNITIES = {
    "ZD": ["恒大绿洲社区"],
    "DFY": ["盘庚中社区"],
    "DTL": ["光辉路社区"],
    "SGL": ["平原社区", "曙光社区", "盘庚东社区", "文博社区"],
}
REAL_VILLAGES = {
    "BZ": [
        "后万金村",
        "西苏度村",
        "北花村",
        "屈王度村",
        "董王度村",
        "韩王度村",
        "冯家庙村",
        "宋家庙村",
        "马家垒村",
        "张贺垒村",
        "缑家垒村",
        "程寸营村",
        "小营村",
    ],
    "ZB": [
        "西漳涧村",
        "东漳涧村",
        "南漳涧村",
        "十里铺村",
        "安阳桥村",
        "方北营村",
        "周家营村",
        "黄家营村",
        "李家庄村",
        "杏花村",
        "苏家村",
        "西六村",
    ],
    "ZD": [
        "东石桃村",
        "西石桃村",
        "桃村口村",
        "田桃村",
        "李桃村",
        "西良贡村",
        "养鱼屯村",
        "六寺村",
        "唐庄村",
        "羊毛屯村",
        "西见山村",
        "西于曹村",
        "前崇义村",
        "中崇义村",
        "后崇义村",
    ],
}
# The seed's 2023 state.
FIVE_STAR_CANDIDATES = ["后万金村", "恒大绿洲社区"]
RESERVE_CANDIDATES = ["西漳涧村", "西苏度村", "北花村", "盘庚中社区", "光辉路社区"]

UNITS = [
    "区委办公室",
    "区政府办公室",
    "区纪委监委机关",
    "区委组织部",
    "区委宣传部",
    "区委统战部",
    "区委政法委",
    "区发展和改革委员会",
    "区财政局",
    "区人力资源和社会保障局",
    "区住房和城乡建设局",
    "区农业农村局",
    "区民政局",
    "区卫生健康委员会",
    "区市场监督管理局",
    "区城市管理局",
]

COMMUNITY_WORDS = [
    "阳光",
    "和平",
    "幸福",
    "文昌",
    "建设",
    "新华",
    "人民",
    "朝阳",
    "永安",
    "安居",
    "紫薇",
    "桃园",
    "文峰",
    "胜利",
    "光明",
    "东风",
    "友谊",
    "团结",
    "育才",
    "书香",
    "华强",
    "锦绣",
    "金桂",
    "银杏",
    "长安",
    "康乐",
    "航苑",
    "洹滨",
    "滨河",
    "铁西",
    "殷都",
    "彰德",
    "红星",
    "向阳",
    "中华",
    "振兴",
    "广厦",
    "丰乐",
    "梧桐",
    "紫荆",
    "春晖",
    "晨光",
]
VILLAGE_FIRST = ["东", "西", "南", "北", "前", "后", "大", "小", "上", "下"]
VILLAGE_MID = ["王", "李", "张", "刘", "陈", "杨", "赵", "郭", "孙", "马", "高", "郑", "梁", "韩", "冯", "邵"]
VILLAGE_LAST = ["庄村", "营村", "屯村", "寨村", "店村", "桥村", "河村"]
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史顾侯邵孟龙万段雷钱汤尹黎易常武乔贺赖龚文"
GIVEN = "建国志强秀英桂兰海燕红梅永刚卫东丽娟玉兰国庆春生明辉晓峰少华文博振华立新金凤雪梅宏伟德明俊杰淑珍"


@dataclass(frozen=True)
class DemoOrg:
    street_code: str
    code: str
    name: str
    area_kind: str
    branch_type: str
    member_count: int
    is_demo: bool


def _invented(rng: random.Random, kind: str, taken: set[str]) -> str:
    while True:
        if kind == "community":
            name = rng.choice(COMMUNITY_WORDS) + "社区"
        else:
            name = rng.choice(VILLAGE_FIRST) + rng.choice(VILLAGE_MID) + rng.choice(VILLAGE_LAST)
        if name not in taken:
            taken.add(name)
            return name


def organisations(seed: int = 2023) -> list[DemoOrg]:
    """The 112 demo organisations, deterministic for a seed."""
    rng = random.Random(seed)
    taken = {n for names in (*REAL_COMMUNITIES.values(), *REAL_VILLAGES.values()) for n in names}
    result: list[DemoOrg] = []
    for code, _name, _kind, n_comm, n_vill in STREETS:
        numbered = 0
        for kind, wanted, real in (
            ("community", n_comm, REAL_COMMUNITIES.get(code, [])),
            ("rural", n_vill, REAL_VILLAGES.get(code, [])),
        ):
            names = [(n, False) for n in real[:wanted]]
            while len(names) < wanted:
                names.append((_invented(rng, kind, taken), True))
            for name, invented in names:
                numbered += 1
                members = rng.randint(25, 60) if kind == "community" else rng.randint(30, 120)
                branch_type = "general" if members >= 50 and rng.random() < 0.5 else "branch"
                if members >= 100:
                    branch_type = "committee"
                result.append(
                    DemoOrg(code, f"{code}{numbered:03d}", name, kind, branch_type, members, invented)
                )
    assert len(result) == TOTAL, len(result)
    return result


def person_name(rng: random.Random) -> str:
    given = GIVEN[rng.randrange(0, len(GIVEN) - 1, 2) :][:2]
    return rng.choice(SURNAMES) + given
