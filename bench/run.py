#!/usr/bin/env python3
"""Benchmark harness: generate a synthetic site, time `casebook build` on it,
and Hugo and Zola on the same content when they are installed, and Hugo +
Pagefind as the searchable alternative.

    python3 bench/run.py --cases 1000,10000 [--seed S] [--runs K] [--keep DIR]
                         [--tools casebook,hugo,hugo+pagefind,zola] [--casebook PATH]
                         [--hugo PATH] [--zola PATH] [--pagefind PATH]
    python3 bench/run.py --cases 10000 --generate-only DIR
    python3 bench/run.py --cases 1300,8500 --typeset 2023 [--runs K]   # compile --pdf instead

The synthetic site imitates the one the Zola/Hugo figures in anchors.md were
measured on: Chinese cases of ~6,100 characters each, spread over every
configured priority area, industry and district, with methods, technologies,
a metrics block, a figure, a captioned table and a code block per case.
Generation is deterministic for a given seed and uses the standard library only.
Hugo reads the Casebook content as it is; Zola gets a copy with TOML front
matter (see zola_front_matter). Both get minimal templates (see HUGO_LAYOUTS,
ZOLA_TEMPLATES) and five taxonomies like Casebook's. `hugo+pagefind` is Hugo's
build followed by Pagefind (extended, for Chinese) indexing its output: the
static search a Hugo site adds (see HugoPagefind).

Each build runs in a fresh wrapper process (a child Python that spawns the
build and reports its own RUSAGE_CHILDREN), so the peak-memory figure belongs
to that one build, not to cargo or to earlier runs. Because the build is
spawned from the wrapper, the figure has a floor of the wrapper's own resident
size (~10 MiB; see a stand-in such as --casebook /bin/true).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import resource  # noqa: F401  (used by the wrapper; imported here to fail early off Unix)
import shutil
import statistics
import string
import struct
import subprocess
import sys
import tempfile
import time
import tomllib
import zlib
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
CONFIG = REPO / "casebook.toml"
DEFAULT_BINARY = REPO / "target" / "release" / "casebook"
# Site-level directories copied from the repo when present, so a build that
# needs the bundled templates/static files finds them next to casebook.toml.
OPTIONAL_SITE_DIRS = ("templates", "static")

YEARS = list(range(2019, 2027))
DRAFT_SHARE = 0.02
NATIONAL_SHARE = 0.2

# Section budgets in characters (len() of the section text, headings included).
# Limits from the case contract: 摘要 ≤ 500, 企业概况 ≤ 500, 推进和应用情况 ≤ 8,000,
# 实施效果 ≤ 2,000. Targets add up to a body of ~6,100 characters.
TARGET_SUMMARY, LIMIT_SUMMARY = 320, 500
TARGET_PROFILE, LIMIT_PROFILE = 350, 500
TARGET_PRACTICE, LIMIT_PRACTICE = 4550, 8000
TARGET_RESULTS, LIMIT_RESULTS = 1040, 2000
TITLE_LIMIT = 40

# --------------------------------------------------------------------------
# Vocabulary
# --------------------------------------------------------------------------

FREE_METHODS = ["精益六西格玛", "零缺陷管理", "5S现场管理", "TRIZ", "首席质量官制度",
                "质量诚信体系", "标准化作业", "全员生产维护"]
TECHNOLOGIES = ["统计过程控制", "测量系统分析", "失效模式与影响分析", "实验设计", "机器视觉检测",
                "工业互联网平台", "数字孪生", "大数据分析", "5G专网", "区块链追溯", "人工智能质检",
                "制造执行系统", "实验室信息管理系统"]

# name, unit, higher_is_better, baseline range, yearly step range, decimals
METRICS = [
    ("一次合格率", "%", True, (90.0, 96.0), (0.6, 1.6), 1),
    ("过程能力指数", "Cpk", True, (0.95, 1.25), (0.08, 0.2), 2),
    ("客户满意度", "分", True, (82.0, 90.0), (0.8, 2.2), 1),
    ("准时交付率", "%", True, (88.0, 95.0), (0.8, 1.8), 1),
    ("设备综合效率", "%", True, (68.0, 78.0), (1.5, 4.0), 1),
    ("客户投诉率", "ppm", False, (600.0, 2400.0), (120.0, 380.0), 0),
    ("质量损失率", "%", False, (1.8, 3.6), (0.2, 0.5), 2),
    ("产品不良率", "%", False, (1.2, 3.0), (0.15, 0.4), 2),
    ("生产周期", "天", False, (18.0, 35.0), (1.5, 4.0), 1),
    ("单位产品能耗", "千克标准煤", False, (0.8, 1.6), (0.05, 0.12), 2),
]

INDUSTRY_NAMING = {
    "集成电路": (["微电子", "半导体", "集成电路", "芯片科技"], ["C3973", "C3974", "C3562"]),
    "生物医药": (["生物医药", "药业", "生物科技", "制药"], ["C2710", "C2720", "C2761"]),
    "人工智能": (["智能科技", "人工智能", "智能系统"], ["I6513", "I6520", "C3491"]),
    "电子信息": (["电子", "信息技术", "通信设备", "光电科技"], ["C3914", "C3921", "C3976"]),
    "生命健康": (["医疗器械", "健康科技", "医疗科技"], ["C3581", "C3584", "C3589"]),
    "汽车": (["汽车零部件", "汽车电子", "精密制造", "汽车配件"], ["C3670", "C3610", "C3660"]),
    "高端装备": (["装备制造", "机械", "重工", "精密机械"], ["C3421", "C3441", "C3731"]),
    "先进材料": (["新材料", "化工", "材料科技", "特种材料"], ["C2651", "C3985", "C3240"]),
    "时尚消费品": (["服饰", "日化", "食品", "家居用品"], ["C1810", "C2682", "C1491"]),
    "生产性服务业": (["检测技术服务", "物流", "供应链管理", "质量技术服务"], ["M7450", "G5951", "L7219"]),
    "其他行业": (["建设工程", "环境科技", "能源", "市政工程"], ["E4811", "N7721", "D4411"]),
}
DEFAULT_NAMING = (["科技", "实业", "制造"], ["C3490"])
BRAND_CHARS = "华申浦江海东恒达新联创信宏泰远瑞盛中安凯隆丰嘉汇通明荣昌源德宝鼎鑫益晟睿博康腾航旭元正森天佳"
COMPANY_SUFFIXES = ["有限公司", "有限公司", "股份有限公司", "集团有限公司"]

SUBJECTS = ["公司", "企业", "质量管理部", "生产制造部", "工艺技术部", "项目团队", "公司管理层",
            "一线班组", "供应链管理部", "研发中心", "质量攻关小组", "检测中心", "各事业部"]
METHOD_PHRASES = ["六西格玛", "精益生产", "QC小组", "卓越绩效", "数字化质量管控", "全面质量管理",
                  "可靠性工程", "质量功能展开", "精益六西格玛", "零缺陷管理", "5S现场管理", "标准化作业",
                  "全员生产维护", "统计过程控制", "首席质量官制度"]
TOOLS = ["DMAIC", "鱼骨图", "帕累托图", "控制图", "失效模式与影响分析", "5Why分析法", "8D问题解决法",
         "测量系统分析", "实验设计", "价值流图", "防错技术", "看板管理", "快速换模", "PDCA循环",
         "质量屋", "故障树分析", "假设检验", "回归分析"]
METRIC_WORDS = ["一次合格率", "过程能力指数", "客户满意度", "质量损失率", "准时交付率", "客户投诉率",
                "产品不良率", "返工返修率", "设备综合效率", "单位产品能耗", "生产周期", "库存周转率",
                "来料合格率", "顾客忠诚度"]
ACTIVITIES = ["质量攻关", "专项改善", "对标分析", "流程再造", "持续改进", "质量诊断", "技能培训",
              "供应商帮扶", "标准化建设", "课题攻关", "质量风险排查", "质量月", "合理化建议"]
OBJECTS = ["关键工序", "核心零部件", "检测流程", "供应商来料", "生产线", "装配环节", "工艺参数",
           "质量数据", "客户需求", "售后服务", "设计评审", "新产品导入", "仓储物流", "计量器具",
           "关键岗位", "过程控制点"]
PROBLEMS = ["尺寸波动大", "批次一致性差", "来料质量不稳定", "检验效率低", "数据记录不完整", "返工率偏高",
            "交付周期长", "客户投诉集中", "工艺窗口窄", "设备故障频发", "换型时间长", "质量追溯困难"]
OUTCOMES = ["取得显著成效", "形成了可复制、可推广的经验", "有效支撑了企业高质量发展",
            "为同行业提供了有益借鉴", "实现了质量与效益的同步提升", "得到客户的高度认可",
            "夯实了质量管理基础", "增强了企业的核心竞争力", "推动质量管理由事后检验向事前预防转变"]
SLOGANS = ["质量第一、用户至上", "第一次就把事情做对", "人人都是质量第一责任人", "精益求精、追求卓越",
           "以客户为中心、以数据为依据", "预防为主、持续改进"]
CONNECTIVES = ["同时", "此外", "在此基础上", "与此同时", "为此", "通过这一举措", "进一步地", "首先",
               "其次", "最后", "具体而言", "在实践中", "近年来", "围绕这一目标"]
IMPROVE = ["提升", "提高", "改善", "优化"]
PCT_METRICS = ["一次合格率", "准时交付率", "来料合格率", "设备综合效率", "产品直通率", "检验准确率"]
LOWER_METRICS = ["客户投诉率", "质量损失率", "产品不良率", "返工返修率", "单位产品能耗", "生产周期",
                 "报废率", "售后故障率"]
DIGITAL = ["工业互联网平台", "制造执行系统", "机器视觉检测系统", "5G专网", "大数据分析平台",
           "数字孪生系统", "人工智能质检系统", "实验室信息管理系统", "区块链追溯平台", "质量管理信息系统"]
REDUCE = ["降低", "减少", "压缩"]
ROLES = ["总经理", "质量总监", "首席质量官", "生产副总", "技术负责人"]
LEVELS = ["公司级", "部门级", "班组级", "岗位级"]

SENTENCES = [
    "{conn}，{subj}以{method}为抓手，围绕{metric}开展{act}，{outcome}。",
    "{subj}运用{tool}对{obj}进行系统分析，识别出{k}项关键影响因素，并制定了针对性的改进措施。",
    "经过{m}个月的持续改进，{pmetric}由{a}%{improve}至{b}%，{outcome}。",
    "{subj}建立了覆盖{obj}的{method}推进体系，明确了{level}人员的质量职责和考核要求。",
    "在{obj}方面，{subj}引入{digital}，实现了质量数据的实时采集、分析与预警。",
    "{conn}，{subj}组织开展{act}活动{k}次，累计完成改善课题{k2}项，创造经济效益{money}万元。",
    "针对{obj}中存在的{problem}问题，{subj}采用{tool}逐层剖析根本原因，共识别末端因素{k}个。",
    "{subj}坚持“{slogan}”的质量理念，将{method}融入{obj}的全过程管理。",
    "{subj}通过{tool}与{tool2}相结合的方式，使{metric}得到明显{improve}。",
    "{conn}，{subj}定期召开质量分析会，对{metric}、{metric2}等关键指标进行跟踪评价，确保改进成果得到巩固。",
    "由{role}牵头成立{method}推进委员会，下设{k}个专项工作组，形成“公司级—部门级—班组级”三级推进网络。",
    "{subj}累计培训{method}绿带{k2}名、黑带{k}名，{method2}骨干人才队伍初具规模。",
    "{conn}，{subj}将{obj}的{k}项关键参数纳入{digital}实时监控，异常响应时间由{h}小时缩短至{h2}分钟。",
    "以{metric}为牵引，{subj}梳理{obj}相关流程{k2}条，消除非增值环节{k}处，{reduce}了{problem2}带来的质量损失。",
    "{subj}编制并发布了{k}项企业标准和{k2}份作业指导书，使{obj}的操作方法更加规范统一。",
    "通过对标行业标杆企业，{subj}找出在{obj}方面的差距{k}项，逐项制定追赶措施和时间表。",
    "{conn}，{subj}建立了供应商质量分级管理制度，对{k2}家核心供应商开展{act}，来料批次合格率稳步提升。",
    "项目实施后，{pmetric}较基准期{improve}{pct}个百分点，{lmetric}{reduce}{pct2}%，{outcome}。",
    "{subj}把{method}方法与{method2}工具有机融合，构建起“发现问题—分析原因—实施改进—固化成果”的闭环管理机制。",
    "为解决{problem}的难题，{subj}运用{tool}设计了{k}组试验，最终确定了{obj}的最优参数组合。",
    "{conn}，{subj}依托{digital}搭建质量大数据平台，汇集{obj}、{obj2}等环节数据{k2}万余条。",
    "{subj}围绕客户反馈的{k}类典型问题，开展{act}，客户投诉数量同比{reduce}{pct2}%。",
    "{conn}，{subj}推行“{slogan}”活动，引导员工主动发现并解决{obj}中的质量隐患。",
    "在{method}推进过程中，{subj}注重过程数据的积累与分析，{metric}的波动明显收窄。",
    "依托{act}平台，{subj}共征集合理化建议{k2}条，采纳实施{k}条，员工参与率达到{p}%。",
]

PRACTICE_HEADINGS = [
    "强化顶层设计，健全质量管理体系", "聚焦关键环节，开展质量攻关", "坚持数据驱动，推进数字化质量管控",
    "深化全员参与，营造质量文化氛围", "对标国际先进，提升过程能力", "加强供应链协同，筑牢质量源头",
    "推进标准化建设，固化改进成果", "培育人才队伍，夯实质量基础", "完善激励机制，激发创新活力",
    "以客户为中心，持续提升服务质量",
]
NUMERALS = "一二三四五六七八九十"

CODE_TEMPLATES = [
    '''import statistics

# 计算过程能力指数 Cpk
def cpk(samples, lsl, usl):
    mu = statistics.mean(samples)
    sigma = statistics.stdev(samples)
    return min(usl - mu, mu - lsl) / (3 * sigma)

samples = [{s}]
print(f"Cpk = {{cpk(samples, {lsl}, {usl}):.2f}}")''',
    '''# 计算一次合格率与缺陷率（ppm）
inspected = {n}
defects = {d}
first_pass = (inspected - defects) / inspected * 100
ppm = defects / inspected * 1_000_000
print(f"一次合格率: {{first_pass:.2f}}%  缺陷率: {{ppm:.0f}} ppm")''',
    '''# 帕累托分析：按缺陷类型统计累计占比
defects = {{"尺寸超差": {a}, "外观不良": {b}, "装配错误": {c}, "其他": {d}}}
total = sum(defects.values())
acc = 0
for name, count in sorted(defects.items(), key=lambda kv: -kv[1]):
    acc += count
    print(f"{{name}}\\t{{count}}\\t{{acc / total:.1%}}")''',
]

PNG_NAME = "figure.png"


def make_png() -> bytes:
    """A tiny (~200 byte) palette PNG: a trend chart of four rising bars on a grid."""
    width, height = 64, 40
    palette = bytes([255, 255, 255, 0, 90, 160, 220, 60, 40, 210, 210, 210])
    bars = [(6, 16, 12), (20, 30, 19), (34, 44, 25), (48, 58, 31)]  # x0, x1, bar height
    rows = bytearray()
    for y in range(height):
        rows.append(0)  # filter: none
        for x in range(width):
            px = 3 if y % 8 == 4 and x % 4 != 3 else 0  # dashed grid lines
            for x0, x1, h in bars:
                if x0 <= x < x1 and y >= height - h:
                    px = 1 if y > height - h else 2  # bar with a red top
            if y == height - 1 or x == 1:
                px = 2
            rows.append(px)

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))

    return (b"\x89PNG\r\n\x1a\n"
            + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 3, 0, 0, 0))
            + chunk(b"PLTE", palette)
            + chunk(b"IDAT", zlib.compress(bytes(rows), 9))
            + chunk(b"IEND", b""))


# --------------------------------------------------------------------------
# Generation
# --------------------------------------------------------------------------


class Writer:
    """Deterministic text generator; all randomness comes from one Random(seed)."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        # Bind each sentence template to a filler that draws its slots.
        self._slots = {
            "conn": lambda r: r.choice(CONNECTIVES),
            "subj": lambda r: r.choice(SUBJECTS),
            "method": lambda r: r.choice(METHOD_PHRASES),
            "method2": lambda r: r.choice(METHOD_PHRASES),
            "metric": lambda r: r.choice(METRIC_WORDS),
            "metric2": lambda r: r.choice(METRIC_WORDS),
            "act": lambda r: r.choice(ACTIVITIES),
            "outcome": lambda r: r.choice(OUTCOMES),
            "tool": lambda r: r.choice(TOOLS),
            "tool2": lambda r: r.choice(TOOLS),
            "obj": lambda r: r.choice(OBJECTS),
            "obj2": lambda r: r.choice(OBJECTS),
            "tech": lambda r: r.choice(TECHNOLOGIES),
            "digital": lambda r: r.choice(DIGITAL),
            "pmetric": lambda r: r.choice(PCT_METRICS),
            "lmetric": lambda r: r.choice(LOWER_METRICS),
            "problem": lambda r: r.choice(PROBLEMS),
            "problem2": lambda r: r.choice(PROBLEMS),
            "slogan": lambda r: r.choice(SLOGANS),
            "improve": lambda r: r.choice(IMPROVE),
            "reduce": lambda r: r.choice(REDUCE),
            "role": lambda r: r.choice(ROLES),
            "level": lambda r: r.choice(LEVELS),
            "k": lambda r: str(r.randint(3, 12)),
            "k2": lambda r: str(r.randint(15, 260)),
            "m": lambda r: str(r.randint(3, 18)),
            "h": lambda r: str(r.randint(2, 24)),
            "h2": lambda r: str(r.randint(5, 45)),
            "a": lambda r: f"{r.uniform(85, 94):.1f}",
            "b": lambda r: f"{r.uniform(95, 99.8):.1f}",
            "pct": lambda r: f"{r.uniform(0.8, 6.5):.1f}",
            "pct2": lambda r: str(r.randint(12, 65)),
            "p": lambda r: str(r.randint(70, 98)),
            "money": lambda r: str(r.randint(30, 2800)),
        }
        self._templates = []
        for t in SENTENCES:
            names = [f for _, f, _, _ in string.Formatter().parse(t) if f]
            uniq = list(dict.fromkeys(names))
            pairs = [(n[:-1], n) for n in uniq if n.endswith("2") and n[:-1] in uniq]
            self._templates.append((t, [(n, self._slots[n]) for n in uniq], pairs))

    def sentence(self) -> str:
        r = self.rng
        t, slots, pairs = r.choice(self._templates)
        vals = {n: f(r) for n, f in slots}
        for a, b in pairs:  # {tool} and {tool2} etc. must differ
            while vals[a] == vals[b]:
                vals[b] = self._slots[b](r)
        return t.format_map(vals)

    def paragraph(self, target: int) -> str:
        parts, n = [], 0
        while n < target - 25:  # sentences average ~50 characters: stop nearest the target
            s = self.sentence()
            parts.append(s)
            n += len(s)
        return "".join(parts)

    def paragraphs(self, target: int, lo: int = 160, hi: int = 320) -> str:
        """Paragraphs separated by blank lines, ~target characters in all."""
        out, n = [], 0
        while n < target - 60:
            want = min(self.rng.randint(lo, hi), max(60, target - n))
            p = self.paragraph(want)
            out.append(p)
            n += len(p) + 2
        return "\n\n".join(out)


def load_config(path: Path) -> dict:
    with open(path, "rb") as f:
        cfg = tomllib.load(f)
    names = {}
    for key in ("priority_areas", "industries", "districts", "methods"):
        names[key] = [t["name"] for t in cfg.get(key, [])]
        if not names[key]:
            sys.exit(f"error: {path} has no [[{key}]] entries")
    return names


def balanced(rng: random.Random, terms: list[str], n: int) -> list[str]:
    """n draws covering every term (when n >= len(terms)), evenly, in random order."""
    seq = [terms[i % len(terms)] for i in range(n)]
    rng.shuffle(seq)
    return seq


def fmt_num(x: float, decimals: int) -> str:
    return f"{x:.{decimals}f}"


def make_metrics(rng: random.Random, year: int, count: int) -> list[dict]:
    years = [year - 3, year - 2, year - 1]
    out = []
    for name, unit, higher, (blo, bhi), (slo, shi), dec in rng.sample(METRICS, count):
        sign = 1 if higher else -1
        cap = 100.0 if unit in ("%", "分") else None
        v = rng.uniform(blo, bhi)
        values = []
        for _ in years:
            values.append(v)
            v += sign * rng.uniform(slo, shi)
        if cap:
            values = [min(x, cap - 0.1) for x in values]
        values = [max(x, 10 ** -dec) for x in values]
        # Competitor improves more slowly; benchmark is ahead at the start, near the end.
        c0 = values[0] - sign * rng.uniform(slo * 0.2, slo)
        competitor = [c0 + sign * i * rng.uniform(slo * 0.3, slo * 0.7) for i in range(3)]
        b0 = values[0] + sign * rng.uniform(slo, shi * 1.5)
        benchmark = [b0 + sign * i * rng.uniform(slo * 0.2, slo * 0.6) for i in range(3)]
        if cap:
            competitor = [min(x, cap - 0.1) for x in competitor]
            benchmark = [min(x, cap - 0.1) for x in benchmark]
        competitor = [max(x, 10 ** -dec) for x in competitor]
        benchmark = [max(x, 10 ** -dec) for x in benchmark]
        out.append({
            "name": name, "unit": unit, "higher": higher, "years": years, "dec": dec,
            "values": [fmt_num(x, dec) for x in values],
            "competitor": [fmt_num(x, dec) for x in competitor],
            "benchmark": [fmt_num(x, dec) for x in benchmark],
        })
    return out


def enterprise_name(rng: random.Random, industry: str) -> tuple[str, str]:
    forms, codes = INDUSTRY_NAMING.get(industry, DEFAULT_NAMING)
    brand = "".join(rng.sample(BRAND_CHARS, 2))
    prefix = "上海" if rng.random() < 0.9 else ""
    return prefix + brand + rng.choice(forms) + rng.choice(COMPANY_SUFFIXES), rng.choice(codes)


def make_title(rng: random.Random, name: str, method: str, metric: dict) -> str:
    verb = rng.choice(IMPROVE[:2]) if metric["higher"] else rng.choice(REDUCE[:2])
    candidates = [
        f"{name}实施{method}{verb}{metric['name']}的经验",
        f"{name}运用{method}推动质量提升的经验",
        f"{name}以{method}{verb}{metric['name']}的经验",
        f"{name}基于{method}的{rng.choice(ACTIVITIES)}经验",
    ]
    first = rng.randrange(len(candidates))
    for t in candidates[first:] + candidates[:first]:
        if len(t) <= TITLE_LIMIT:
            return t
    return f"{name}质量提升经验"[-TITLE_LIMIT:]


def flow_list(items) -> str:
    return "[" + ", ".join(str(i) for i in items) + "]"


def build_table(metrics: list[dict]) -> str:
    years = metrics[0]["years"]
    head = "| 指标 | " + " | ".join(f"{y}年" for y in years) + " | 同行对标 | 行业标杆 |"
    sep = "|" + "---|" * (len(years) + 3)
    rows = [head, sep]
    for m in metrics:
        rows.append(f"| {m['name']}（{m['unit']}） | " + " | ".join(m["values"])
                    + f" | {m['competitor'][-1]} | {m['benchmark'][-1]} |")
    return "\n".join(rows)


def build_code(rng: random.Random) -> str:
    i = rng.randrange(len(CODE_TEMPLATES))
    t = CODE_TEMPLATES[i]
    if i == 0:
        centre = rng.uniform(9.99, 10.01)
        s = ", ".join(f"{centre + rng.gauss(0, 0.008):.3f}" for _ in range(8))
        code = t.format(s=s, lsl="9.95", usl="10.05")
    elif i == 1:
        n = rng.randint(5000, 120000)
        code = t.format(n=n, d=rng.randint(3, max(4, n // 200)))
    else:
        code = t.format(a=rng.randint(80, 200), b=rng.randint(30, 90), c=rng.randint(10, 40),
                        d=rng.randint(2, 15))
    return "```python\n" + code + "\n```"


def metric_sentence(rng: random.Random, m: dict) -> str:
    """One sentence stating a case's own metric, consistent with its front matter."""
    u = "" if m["unit"] == "Cpk" else m["unit"]
    verb = rng.choice(IMPROVE[:2]) if m["higher"] else rng.choice(REDUCE[:2])
    y0, y1 = m["years"][0], m["years"][-1]
    better = "优于" if m["higher"] == (float(m["values"][-1]) >= float(m["competitor"][-1])) else "接近"
    return (f"{m['name']}由{y0}年的{m['values'][0]}{u}{verb}至{y1}年的{m['values'][-1]}{u}，"
            f"{better}同行对标企业的{m['competitor'][-1]}{u}。")


def section(heading: str, body: str, limit: int, what: str) -> str:
    text = f"## {heading}\n\n{body}"
    if len(text) > limit:  # construction keeps well below; fail loudly if budgets change
        raise AssertionError(f"{what}: {len(text)} characters > {limit}")
    return text


def make_case(w: Writer, cfg: dict, cid: str, year: int, area: str, industry: str,
              district: str, draft: bool) -> tuple[dict, str]:
    """One case: its front-matter fields (in Casebook's order) and its Markdown body."""
    rng = w.rng
    n_methods = rng.choice((1, 1, 2, 2, 2, 3))
    methods: list[str] = []
    while len(methods) < n_methods:
        m = rng.choice(FREE_METHODS) if rng.random() < 0.15 else rng.choice(cfg["methods"])
        if m not in methods:
            methods.append(m)
    technologies = rng.sample(TECHNOLOGIES, rng.choice((1, 1, 2, 2, 3)))
    metrics = make_metrics(rng, year, rng.choice((1, 2, 2, 3)))
    name, code = enterprise_name(rng, industry)
    title = make_title(rng, name, methods[0], metrics[0])
    status = "draft" if draft else ("national" if rng.random() < NATIONAL_SHARE else "approved")

    meta = {
        "id": cid, "title": title,
        "enterprise": {"name": name, "industry_code": code, "district": district},
        "year": year, "cohort": f"{year - 1}-{year}",
        "priority_area": area, "industry": industry, "district": district,
        "methods": methods, "technologies": technologies, "status": status,
        "private": None, "metrics": metrics,
    }
    if draft:
        meta["private"] = {
            "contact": f"{rng.choice('王李张刘陈杨赵黄周吴')}某某",
            "phone": f"021-{rng.randint(50000000, 69999999)}",
            "reviewer_notes": f"待补充{rng.choice(['第三方检测报告', '经济效益测算依据', '客户评价证明', '获奖证书扫描件'])}",
        }

    lead = (f"{name}（以下简称“公司”）以{'、'.join(methods)}为主要方法，"
            f"{metric_sentence(rng, metrics[0])}")
    summary = section("摘要", lead + w.paragraph(TARGET_SUMMARY - len(lead) - 8),
                      LIMIT_SUMMARY, f"{cid} 摘要")
    profile = section("企业概况",
                      f"{name}位于{district}，主要从事{industry}领域相关产品的研发、生产与服务。"
                      + w.paragraph(TARGET_PROFILE - 40 - len(name)), LIMIT_PROFILE, f"{cid} 企业概况")

    # 推进和应用情况: 3-4 numbered subsections; the figure goes in the second,
    # the captioned table in the third, the code block at the end of the last.
    n_sub = rng.choice((3, 4))
    headings = rng.sample(PRACTICE_HEADINGS, n_sub)
    figure = f"![{metrics[0]['name']}改善趋势]({PNG_NAME})"
    table = "表：主要指标对比\n\n" + build_table(metrics)
    code_block = build_code(rng)
    fixed = len(figure) + len(table) + len(code_block) + 40 + sum(len(h) + 8 for h in headings)
    per_sub = max(200, (TARGET_PRACTICE - fixed) // n_sub)
    subs = []
    for i, h in enumerate(headings):
        if i == 1:  # figure between two runs of paragraphs
            first = per_sub // 2
            blocks = [f"### {NUMERALS[i]}、{h}", w.paragraphs(first), figure,
                      w.paragraphs(per_sub - first)]
        else:
            blocks = [f"### {NUMERALS[i]}、{h}", w.paragraphs(per_sub)]
        if i == 2:
            blocks.append(table)
        if i == n_sub - 1:
            blocks.append(code_block)
        subs.append("\n\n".join(blocks))
    practice = section("管理方法（技术）的推进和应用情况", "\n\n".join(subs), LIMIT_PRACTICE,
                       f"{cid} 推进和应用情况")
    facts = "".join(metric_sentence(rng, m) for m in metrics)
    results = section("管理方法（技术）的实施效果",
                      facts + w.paragraph(150) + "\n\n" + w.paragraphs(TARGET_RESULTS - 190 - len(facts)),
                      LIMIT_RESULTS, f"{cid} 实施效果")
    return meta, "\n\n".join((summary, profile, practice, results)) + "\n"


def casebook_front_matter(meta: dict) -> str:
    """Casebook's YAML front matter (plain scalars, flow lists), fenced by ---."""
    ent = meta["enterprise"]
    fm = [
        "---",
        f'id: "{meta["id"]}"',
        f"title: {meta['title']}",
        "enterprise:",
        f"  name: {ent['name']}",
        f"  industry_code: {ent['industry_code']}",
        f"  district: {ent['district']}",
        f"year: {meta['year']}",
        f"cohort: {meta['cohort']}",
        f"priority_area: {meta['priority_area']}",
        f"industry: {meta['industry']}",
        f"district: {meta['district']}",
        f"methods: {flow_list(meta['methods'])}",
        f"technologies: {flow_list(meta['technologies'])}",
        f"status: {meta['status']}",
    ]
    if meta["private"]:
        p = meta["private"]
        fm += [
            "private:",
            f"  contact: {p['contact']}",
            f'  phone: "{p["phone"]}"',
            f"  reviewer_notes: {p['reviewer_notes']}",
        ]
    fm.append("metrics:")
    for m in meta["metrics"]:
        fm += [
            f"  - name: {m['name']}",
            f'    unit: "{m["unit"]}"',
            f"    higher_is_better: {'true' if m['higher'] else 'false'}",
            f"    years: {flow_list(m['years'])}",
            f"    values: {flow_list(m['values'])}",
            f"    competitor: {flow_list(m['competitor'])}",
            f"    benchmark: {flow_list(m['benchmark'])}",
        ]
    fm.append("---")
    return "\n".join(fm) + "\n"


# Front-matter key of each taxonomy, in Casebook's order. Hugo and Zola use the
# same keys as their taxonomy names, so their term pages land under /{key}/.
TAXONOMY_KEYS = ("priority_area", "industry", "district", "year", "methods")


def case_terms(meta: dict) -> dict[str, list[str]]:
    """The case's terms per taxonomy key, as strings (year 2019 -> "2019")."""
    out = {}
    for key in TAXONOMY_KEYS:
        v = meta[key]
        out[key] = [str(x) for x in v] if isinstance(v, list) else [str(v)]
    return out


def generate_site(root: Path, n: int, seed: int, copies=()) -> dict:
    """Write casebook.toml and n case bundles under root. Returns stats.

    Each callable in `copies` is also handed every case as (bundle path
    relative to content/, fields, body, png bytes), to write its own copy of
    the content (the Zola site needs TOML front matter)."""
    if n < 1:
        sys.exit("error: --cases must be positive")
    if n > 9999 * len(YEARS):
        sys.exit(f"error: at most {9999 * len(YEARS)} cases (ids are YYYY-NNNN)")
    cfg = load_config(CONFIG)
    root.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(CONFIG, root / "casebook.toml")
    for d in OPTIONAL_SITE_DIRS:
        if (REPO / d).is_dir():
            shutil.copytree(REPO / d, root / d)
    rng = random.Random(seed)
    w = Writer(rng)
    png = make_png()
    areas = balanced(rng, cfg["priority_areas"], n)
    industries = balanced(rng, cfg["industries"], n)
    districts = balanced(rng, cfg["districts"], n)
    drafts = set(rng.sample(range(n), round(n * DRAFT_SHARE)))
    seq = {y: 0 for y in YEARS}
    cases_dir = root / "content" / "cases"
    for y in YEARS:
        (cases_dir / str(y)).mkdir(parents=True, exist_ok=True)
    total_bytes = 0
    # What every tool's output is checked against: published and draft case
    # ids (with their years) and the terms the published cases use.
    published: list[tuple[str, int]] = []
    draft_ids: list[tuple[str, int]] = []
    terms: dict[str, set[str]] = {k: set() for k in TAXONOMY_KEYS}
    for i in range(n):
        year = YEARS[i % len(YEARS)]
        seq[year] += 1
        cid = f"{year}-{seq[year]:04d}"
        meta, body = make_case(w, cfg, cid, year, areas[i], industries[i], districts[i], i in drafts)
        text = casebook_front_matter(meta) + body
        rel = Path("cases") / str(year) / cid
        bundle = root / "content" / rel
        bundle.mkdir()
        data = text.encode("utf-8")
        (bundle / "index.md").write_bytes(data)
        (bundle / PNG_NAME).write_bytes(png)
        total_bytes += len(data) + len(png)
        for copy in copies:
            copy(rel, meta, body, png)
        if i in drafts:
            draft_ids.append((cid, year))
        else:
            published.append((cid, year))
            for key, values in case_terms(meta).items():
                terms[key].update(values)
    return {"cases": n, "drafts": len(drafts), "bytes": total_bytes,
            "published": published, "draft_ids": draft_ids, "terms": terms}


# --------------------------------------------------------------------------
# Hugo and Zola sites over the same content
# --------------------------------------------------------------------------
#
# Minimal templates equivalent to Casebook's page types: a case page (title,
# enterprise, the case's terms as links, the rendered body), a page per term
# listing its cases (title links and enterprise, no pagination), a page per
# taxonomy listing its terms with counts, and a home page linking the five
# taxonomies. Code blocks are highlighted with CSS classes, as Casebook does.
# Each tool also writes a sitemap and one feed of 30 items, like Casebook's
# sitemap.xml and atom.xml; no per-section or per-term feeds.

FEED_ITEMS = 30


def site_config() -> dict:
    with open(CONFIG, "rb") as f:
        return tomllib.load(f)


def toml_str(s: str) -> str:
    """A TOML basic string (JSON's escapes are valid TOML)."""
    return json.dumps(s, ensure_ascii=False)


def toml_list(items) -> str:
    return "[" + ", ".join(toml_str(str(i)) for i in items) + "]"


def version_tuple(version: str) -> tuple[int, ...]:
    m = re.search(r"(\d+)\.(\d+)(?:\.(\d+))?", version)
    return tuple(int(x or 0) for x in m.groups()) if m else (0,)


HUGO_LAYOUTS = {
    "baseof.html": """<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{ block "title" . }}{{ .Title }} - {{ site.Title }}{{ end }}</title></head>
<body><header><a href="{{ "/" | relURL }}">{{ site.Title }}</a></header>
<main>{{ block "main" . }}{{ end }}</main></body></html>
""",
    # data-pagefind-body: what Pagefind's docs advise (index the main
    # content; with it on any page, pages without it are left out), so
    # hugo+pagefind indexes the case pages, as Casebook's search does.
    "page.html": """{{ define "main" }}<article data-pagefind-body>
<h1>{{ .Title }}</h1>
<p>{{ .Params.enterprise.name }}</p>
<dl>{{ range site.Params.taxonomy_keys }}
<dt>{{ . }}</dt><dd>{{ range $.GetTerms . }}<a href="{{ .RelPermalink }}">{{ .LinkTitle }}</a> {{ end }}</dd>{{ end }}
</dl>
{{ .Content }}
</article>{{ end }}
""",
    "term.html": """{{ define "main" }}<h1>{{ .Title }}</h1><p>{{ len .Pages }} 个案例</p>
<ul>{{ range .Pages }}<li><a href="{{ .RelPermalink }}">{{ .Title }}</a> {{ .Params.enterprise.name }}</li>{{ end }}</ul>{{ end }}
""",
    "taxonomy.html": """{{ define "main" }}<h1>{{ .Title }}</h1>
<ul>{{ range .Pages }}<li><a href="{{ .RelPermalink }}">{{ .LinkTitle }}</a> {{ len .Pages }}</li>{{ end }}</ul>{{ end }}
""",
    "home.html": """{{ define "title" }}{{ site.Title }}{{ end }}{{ define "main" }}<h1>{{ site.Title }}</h1>
<ul>{{ range site.Params.taxonomy_keys }}<li><a href="{{ printf "/%s/" . | relURL }}">{{ . }}</a></li>{{ end }}</ul>{{ end }}
""",
    "404.html": """{{ define "main" }}<h1>页面不存在</h1>{{ end }}
""",
}


def write_hugo_site(hsite: Path, content: Path, stats: dict, version: str) -> None:
    """A Hugo project in hsite whose contentDir is the Casebook site's content/.

    Hugo reads Casebook's YAML front matter as it is: unknown keys become
    .Params, and the five taxonomy keys are declared as taxonomies. Casebook's
    drafts are `status: draft`, which Hugo does not know, so a cascade entry
    targeting the drafts' paths keeps them out of every page, list and file."""
    cfg = site_config()
    hsite.mkdir(parents=True, exist_ok=True)
    # locale replaced languageCode in Hugo 0.158 (the old key now warns).
    lang_key = "locale" if version_tuple(version) >= (0, 158) else "languageCode"
    lines = [
        f"baseURL = {toml_str(cfg['site']['base_url'])}",
        f"title = {toml_str(cfg['site']['title'])}",
        f'{lang_key} = "zh-CN"',
        "hasCJKLanguage = true",
        f"contentDir = {toml_str(str(content.resolve()))}",
        # Casebook has no page listing every case; the /cases/ section would be one.
        'disableKinds = ["section"]',
        "",
        "[params]",
        f"taxonomy_keys = {toml_list(TAXONOMY_KEYS)}",
        "",
        "[taxonomies]",  # singular = plural; the plural is the front-matter key
        *(f"{k} = {toml_str(k)}" for k in TAXONOMY_KEYS),
        "",
        "[permalinks.page]",  # /cases/{id}/ as Casebook, not /cases/{year}/{id}/
        'cases = "/cases/:contentbasename/"',
        "",
        "[outputs]",  # one feed (home), as Casebook's atom.xml; no per-term feeds
        'home = ["html", "rss"]',
        'taxonomy = ["html"]',
        'term = ["html"]',
        "",
        "[services.rss]",
        f"limit = {FEED_ITEMS}",
        "",
        "[markup.highlight]",
        "noClasses = false",
    ]
    if stats["draft_ids"]:
        paths = ",".join(f"/cases/{year}/{cid}" for cid, year in stats["draft_ids"])
        lines += [
            "",
            "[[cascade]]",
            "[cascade.build]",
            'list = "never"',
            'render = "never"',
            "publishResources = false",
            "[cascade.target]",
            f"path = {toml_str('{' + paths + '}')}",
        ]
    (hsite / "hugo.toml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    layouts = hsite / "layouts"
    layouts.mkdir(exist_ok=True)
    for name, text in HUGO_LAYOUTS.items():
        (layouts / name).write_text(text, encoding="utf-8")


ZOLA_TEMPLATES = {
    "base.html": """<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{% block title %}{{ config.title }}{% endblock title %}</title></head>
<body><header><a href="{{ get_url(path="/") | safe }}">{{ config.title }}</a></header>
<main>{% block main %}{% endblock main %}</main></body></html>
""",
    "page.html": """{% extends "base.html" %}
{% block title %}{{ page.title }} - {{ config.title }}{% endblock title %}
{% block main %}<article>
<h1>{{ page.title }}</h1>
<p>{{ page.extra.enterprise.name }}</p>
<dl>{% for tax in config.extra.taxonomy_keys %}{% if tax in page.taxonomies %}
<dt>{{ tax }}</dt><dd>{% for t in page.taxonomies[tax] %}<a href="{{ get_taxonomy_url(kind=tax, name=t) | safe }}">{{ t }}</a> {% endfor %}</dd>{% endif %}{% endfor %}
</dl>
{{ page.content | safe }}
</article>{% endblock main %}
""",
    "taxonomy_single.html": """{% extends "base.html" %}
{% block title %}{{ term.name }} - {{ config.title }}{% endblock title %}
{% block main %}<h1>{{ term.name }}</h1><p>{{ term.page_count }} 个案例</p>
<ul>{% for p in term.pages %}<li><a href="{{ p.permalink | safe }}">{{ p.title }}</a> {{ p.extra.enterprise.name }}</li>{% endfor %}</ul>{% endblock main %}
""",
    "taxonomy_list.html": """{% extends "base.html" %}
{% block title %}{{ taxonomy.name }} - {{ config.title }}{% endblock title %}
{% block main %}<h1>{{ taxonomy.name }}</h1>
<ul>{% for t in terms %}<li><a href="{{ t.permalink | safe }}">{{ t.name }}</a> {{ t.page_count }}</li>{% endfor %}</ul>{% endblock main %}
""",
    "index.html": """{% extends "base.html" %}
{% block main %}<h1>{{ config.title }}</h1>
<ul>{% for tax in config.extra.taxonomy_keys %}<li><a href="{{ get_url(path="/" ~ tax | replace(from="_", to="-") ~ "/") | safe }}">{{ tax }}</a></li>{% endfor %}</ul>{% endblock main %}
""",
    # Casebook renders no page listing every case (or a year's cases).
    "section.html": """{% extends "base.html" %}
{% block main %}<h1>{{ section.title }}</h1>{% endblock main %}
""",
}

# Zola only parses TOML front matter between +++ fences, and rejects keys it
# does not know outside [taxonomies] and [extra]: the Zola copy of a case has
# the same fields, with the taxonomy terms under [taxonomies] (years as
# strings) and everything else under [extra]; `status: draft` becomes
# `draft = true`, which Zola leaves out of the build. The body is unchanged.


def zola_front_matter(meta: dict) -> str:
    ent = meta["enterprise"]
    lines = ["+++", f"title = {toml_str(meta['title'])}"]
    if meta["status"] == "draft":
        lines.append("draft = true")
    lines += ["", "[taxonomies]"]
    lines += [f"{key} = {toml_list(values)}" for key, values in case_terms(meta).items()]
    lines += [
        "",
        "[extra]",
        f"id = {toml_str(meta['id'])}",
        f"cohort = {toml_str(meta['cohort'])}",
        f"technologies = {toml_list(meta['technologies'])}",
        f"status = {toml_str(meta['status'])}",
        "",
        "[extra.enterprise]",
        f"name = {toml_str(ent['name'])}",
        f"industry_code = {toml_str(ent['industry_code'])}",
        f"district = {toml_str(ent['district'])}",
    ]
    if meta["private"]:
        lines += ["", "[extra.private]"]
        lines += [f"{k} = {toml_str(v)}" for k, v in meta["private"].items()]
    for m in meta["metrics"]:
        lines += [
            "",
            "[[extra.metrics]]",
            f"name = {toml_str(m['name'])}",
            f"unit = {toml_str(m['unit'])}",
            f"higher_is_better = {'true' if m['higher'] else 'false'}",
            # numbers of one metric share their decimals, so each array has one type
            f"years = [{', '.join(str(y) for y in m['years'])}]",
            f"values = [{', '.join(m['values'])}]",
            f"competitor = [{', '.join(m['competitor'])}]",
            f"benchmark = [{', '.join(m['benchmark'])}]",
        ]
    lines.append("+++")
    return "\n".join(lines) + "\n"


def zola_copy(zsite: Path):
    """A `copies` callable for generate_site writing the Zola content copy."""
    def copy(rel: Path, meta: dict, body: str, png: bytes) -> None:
        bundle = zsite / "content" / rel
        bundle.mkdir(parents=True)
        (bundle / "index.md").write_text(zola_front_matter(meta) + body, encoding="utf-8")
        (bundle / PNG_NAME).write_bytes(png)
    return copy


def write_zola_site(zsite: Path, version: str) -> None:
    """config.toml, templates and section files; the cases come from zola_copy."""
    cfg = site_config()
    v = version_tuple(version)
    lines = [
        f"base_url = {toml_str(cfg['site']['base_url'])}",
        f"title = {toml_str(cfg['site']['title'])}",
        'default_language = "zh"',
        "compile_sass = false",
        "build_search_index = false",
        # generate_feed became generate_feeds (and feed_filenames) in 0.19. Zola's
        # feed takes only pages with a date, which the cases lack (see README).
        "generate_feeds = true" if v >= (0, 19) else "generate_feed = true",
        f"feed_limit = {FEED_ITEMS}",
        "taxonomies = [" + ", ".join(f"{{ name = {toml_str(k)} }}" for k in TAXONOMY_KEYS) + "]",
        "",
    ]
    # Highlighting with CSS classes; its configuration moved to
    # [markdown.highlighting] (a new highlighter) in 0.22.
    if v >= (0, 22):
        lines += ["[markdown.highlighting]", 'style = "class"', 'theme = "github-light"']
    else:
        lines += ["[markdown]", "highlight_code = true", 'highlight_theme = "css"']
    lines += ["", "[extra]", f"taxonomy_keys = {toml_list(TAXONOMY_KEYS)}"]
    zsite.mkdir(parents=True, exist_ok=True)
    (zsite / "config.toml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    templates = zsite / "templates"
    templates.mkdir(exist_ok=True)
    for name, text in ZOLA_TEMPLATES.items():
        (templates / name).write_text(text, encoding="utf-8")
    # cases/ and every year folder are sections that are not rendered
    # themselves (Zola still renders their pages).
    cases = zsite / "content" / "cases"
    for d in [cases] + [cases / str(y) for y in YEARS]:
        d.mkdir(parents=True, exist_ok=True)
        (d / "_index.md").write_text("+++\nrender = false\n+++\n", encoding="utf-8")


# --------------------------------------------------------------------------
# Measurement
# --------------------------------------------------------------------------

# Runs in a fresh interpreter: spawns the build, waits, and reports the build's
# own wall time and RUSAGE_CHILDREN (its only child is the build) as JSON.
WRAPPER = r"""
import json, resource, subprocess, sys, time
log, cmd = sys.argv[1], sys.argv[2:]
with open(log, "wb") as f:
    t0 = time.perf_counter()
    try:
        rc = subprocess.call(cmd, stdin=subprocess.DEVNULL, stdout=f, stderr=subprocess.STDOUT)
    except OSError as e:
        print(json.dumps({"error": str(e)}))
        sys.exit(0)
    wall = time.perf_counter() - t0
ru = resource.getrusage(resource.RUSAGE_CHILDREN)
print(json.dumps({"rc": rc, "wall": wall, "maxrss": ru.ru_maxrss,
                  "utime": ru.ru_utime, "stime": ru.ru_stime}))
"""


def maxrss_mib(v: int) -> float:
    return v / (1 << 20) if sys.platform == "darwin" else v / 1024  # bytes vs KiB


def tree_size(path: Path) -> tuple[int, int]:
    total = files = 0
    for dirpath, _dirs, names in os.walk(path):
        for name in names:
            try:
                total += os.lstat(os.path.join(dirpath, name)).st_size
            except OSError:
                continue
            files += 1
    return total, files


def resolve_binary(arg: str | None) -> Path:
    if arg is None:
        if not DEFAULT_BINARY.exists():
            log(f"{DEFAULT_BINARY.relative_to(REPO)} missing: running cargo build --release")
            r = subprocess.run(["cargo", "build", "--release"], cwd=REPO)
            if r.returncode != 0 or not DEFAULT_BINARY.exists():
                sys.exit("error: cargo build --release failed")
        return DEFAULT_BINARY
    found = find_binary(arg)
    if found is None:
        sys.exit(f"error: casebook binary not found: {arg}")
    return found


def find_binary(arg: str) -> Path | None:
    """A path (absolute, relative to cwd or to the repo) or a name on PATH."""
    p = Path(arg)
    for cand in (p, REPO / p):
        if cand.is_file():
            return cand.resolve()
    found = shutil.which(arg)
    return Path(found) if found else None


def version_of(cmd: list[str]) -> str:
    r = subprocess.run(cmd, capture_output=True, text=True, stdin=subprocess.DEVNULL)
    return re.sub(r"\x1b\[[0-9;]*m", "", r.stdout + r.stderr).strip()  # drop colours


def is_executable_file(path: Path) -> bool:
    """A compiled program rather than a script (a pyenv shim, a wrapper)."""
    try:
        with open(path, "rb") as f:
            magic = f.read(4)
    except OSError:
        return False
    return magic in (b"\x7fELF", b"\xcf\xfa\xed\xfe", b"\xca\xfe\xba\xbe")


PHASE_LINE = re.compile(r"  \S.*\d ms\b")  # casebook -v: "  render   3385.3 ms ..."
# What casebook build prints after its diagnostics when all went well.
SUMMARY_LINES = ("构建完成", "图片：", "分享海报：")


class Tool:
    """A site generator under test: how to prepare its site, run it, check it."""
    name = ""
    # taxonomy key -> output folder holding one folder per term page
    term_dirs: dict[str, str] = {}

    def __init__(self, binary: Path, version: str):
        self.binary, self.version = binary, version

    @property
    def label(self) -> str:
        v = version_tuple(self.version)
        return self.name if self.name == "casebook" else f"{self.name} {'.'.join(map(str, v))}"

    def prepare(self, base: Path, site: Path, stats: dict) -> None:
        """Write what the tool needs besides the Casebook site (not timed)."""

    def command(self, base: Path, site: Path, out: Path) -> list[str]:
        raise NotImplementedError

    def steps(self, base: Path, site: Path, out: Path) -> list[list[str]]:
        """The commands of one clean build, timed as one (see measure_steps)."""
        return [self.command(base, site, out)]

    def case_page(self, cid: str, year: int) -> str:
        raise NotImplementedError

    def warnings(self, log_text: str) -> list[str]:
        raise NotImplementedError

    def phases(self, log_text: str) -> list[str]:
        """Per-phase times the tool printed, if any."""
        return []

    def notes(self, log_text: str, out: Path) -> list[str]:
        """Anything else worth reporting about a build's output."""
        return []


class Casebook(Tool):
    name = "casebook"
    term_dirs = {"priority_area": "areas", "industry": "industries", "district": "districts",
                 "year": "years", "methods": "methods"}

    def command(self, base, site, out):
        # -v: the time of each phase goes to the log (and stderr), to see what
        # Casebook spends on the parts the other tools do not make.
        return [str(self.binary), "build", "-v", "--root", str(site), "--output", str(out)]

    def case_page(self, cid, year):
        return f"cases/{cid}/index.html"

    def phases(self, log_text):
        return [ln.strip() for ln in log_text.splitlines() if PHASE_LINE.match(ln)]

    def warnings(self, log_text):
        # Diagnostics: every line but the phase times and the closing summary
        # (构建完成：…, and the counts of picture variants and posters made).
        return [ln for ln in log_text.splitlines()
                if ln.strip() and not PHASE_LINE.match(ln) and not ln.startswith(SUMMARY_LINES)]


class Hugo(Tool):
    name = "hugo"
    term_dirs = {k: k for k in TAXONOMY_KEYS}

    def prepare(self, base, site, stats):
        write_hugo_site(base / "hugo", site / "content", stats, self.version)

    def command(self, base, site, out):
        cache = base / "hugo-cache"
        if cache.exists():
            shutil.rmtree(cache)  # a clean build, like the others
        return [str(self.binary), "--source", str(base / "hugo"), "--destination", str(out),
                "--cacheDir", str(cache), "--noBuildLock"]

    def case_page(self, cid, year):
        return f"cases/{cid}/index.html"

    def warnings(self, log_text):
        return [ln for ln in log_text.splitlines() if re.match(r"(WARN|ERROR)\b", ln)]


class HugoPagefind(Hugo):
    """Hugo's build, then Pagefind's extended build (the one that segments
    Chinese) indexing Hugo's output in place, with its defaults, as Pagefind's
    docs have a Hugo user run it (`npx pagefind --site public`; npm's wrapper
    runs `pagefind_extended`). The language comes from the pages'
    `<html lang="zh-CN">`; the case layout's `data-pagefind-body` limits the
    index to the case pages. The bundle goes to `OUT/pagefind/` and counts in
    the output's size and files."""
    name = "hugo+pagefind"

    def __init__(self, binary: Path, version: str, pagefind: Path, pagefind_version: str):
        super().__init__(binary, version)
        self.pagefind, self.pagefind_version = pagefind, pagefind_version

    @property
    def label(self) -> str:
        hugo = ".".join(map(str, version_tuple(self.version)))
        pagefind = ".".join(map(str, version_tuple(self.pagefind_version)))
        return f"hugo {hugo} + pagefind {pagefind}"

    def steps(self, base, site, out):
        return [self.command(base, site, out), [str(self.pagefind), "--site", str(out)]]

    def warnings(self, log_text):
        # Hugo's WARN/ERROR lines and Pagefind's errors and warnings.
        return super().warnings(log_text) + [
            ln for ln in log_text.splitlines() if re.match(r"\s*(error|warning)\b", ln, re.IGNORECASE)]

    def notes(self, log_text, out):
        indexed = re.findall(r"Indexed (\d[\d,]*) (pages?|words?|languages?|sorts?|filters?)\b", log_text)
        size, files = tree_size(out / "pagefind")
        return ["pagefind indexed " + ", ".join(f"{n} {what}" for n, what in indexed),
                f"pagefind bundle {files:,} files, {size / 2**20:.1f} MiB"]


class Zola(Tool):
    name = "zola"
    # Zola slugifies the taxonomy's name in its URLs: priority_area's terms
    # are under /priority-area/.
    term_dirs = {k: k.replace("_", "-") for k in TAXONOMY_KEYS}

    def prepare(self, base, site, stats):
        write_zola_site(base / "zola", self.version)  # content was written by zola_copy

    def command(self, base, site, out):
        return [str(self.binary), "--root", str(base / "zola"), "build", "--output-dir", str(out)]

    def case_page(self, cid, year):
        return f"cases/{year}/{cid}/index.html"

    def warnings(self, log_text):
        return [ln for ln in log_text.splitlines()
                if re.match(r"\s*(warn|warning|error)\b", ln, re.IGNORECASE)]


def find_tools(args) -> list[Tool]:
    """The tools named by --tools (one not found is an error) or, by default,
    Casebook plus Hugo and Zola when found on PATH or given with --hugo/--zola
    (one not found on PATH is noted and skipped). `hugo+pagefind` runs only
    when named, with Hugo's binary and --pagefind's."""
    explicit = args.tools is not None
    wanted = args.tools if explicit else ["casebook", "hugo", "zola"]
    tools: list[Tool] = []
    for name in wanted:
        if name == "casebook":
            continue  # last: it may run cargo build, which should not precede a usage error
        if name == "hugo+pagefind":
            tools.append(find_hugo_pagefind(args))
            continue
        found = find_generator(name, getattr(args, name), explicit)
        if found:
            cls = Hugo if name == "hugo" else Zola
            tools.append(cls(*found))
    if "casebook" in wanted:
        binary = resolve_binary(args.casebook)
        tools.insert(0, Casebook(binary, version_of([str(binary), "--version"])))
    return tools


def find_generator(name: str, given: str | None, explicit: bool) -> tuple[Path, str] | None:
    """Hugo's or Zola's binary and version: `given` (--hugo/--zola) or the
    name on PATH. Not found is an error when asked for, else noted (None)."""
    found = find_binary(given) if given else shutil.which(name)
    if found is None:
        if given:
            sys.exit(f"error: {name} not found: {given}")
        if explicit:
            sys.exit(f"error: {name} not found on PATH (give --{name} PATH)")
        log(f"note: {name} not found on PATH; skipped (give --{name} PATH to include it)")
        return None
    binary = Path(found)
    version = version_of([str(binary), "version" if name == "hugo" else "--version"])
    if not is_executable_file(binary):
        # `pip install hugo` puts a Python launcher on PATH that names the
        # real binary in its version output; time the binary, not Python.
        m = re.search(r" at (/\S+)", version)
        if m and Path(m.group(1)).is_file():
            binary = Path(m.group(1))
    return binary, version.splitlines()[-1] if version else "?"


def find_hugo_pagefind(args) -> HugoPagefind:
    """Hugo as for the `hugo` tool, and Pagefind's extended binary from
    --pagefind or `pagefind_extended` on PATH (both must be found)."""
    hugo_binary, hugo_version = find_generator("hugo", args.hugo, True)
    given = args.pagefind
    found = find_binary(given) if given else shutil.which("pagefind_extended")
    if found is None:
        sys.exit(f"error: pagefind not found: {given}" if given else
                 "error: pagefind_extended not found on PATH (give --pagefind PATH: after `npm install "
                 "pagefind`, node_modules/@pagefind/linux-x64/bin/pagefind_extended)")
    version = version_of([str(found), "--version"])
    if "extended" not in Path(found).name:
        log(f"note: {found} may not be Pagefind's extended build, which alone segments Chinese")
    return HugoPagefind(hugo_binary, hugo_version, Path(found), version or "?")


# When this process last deleted a tree (time.monotonic()), if it has.
_last_delete: float | None = None


def delete_tree(path: Path) -> None:
    """Delete `path` and note when, for reset_file_system."""
    global _last_delete
    shutil.rmtree(path)
    _last_delete = time.monotonic()


def drop_caches() -> bool:
    """Write dirty data out and empty the kernel's page, dentry and inode
    caches, if this process may (root on Linux). False when it may not."""
    os.sync()
    try:
        Path("/proc/sys/vm/drop_caches").write_text("3\n")
        return True
    except OSError:
        return False


def read_through(paths: list[Path]) -> None:
    """Read every file under `paths` once, so each build finds its inputs
    (and its binary) in the page cache, as after any earlier run."""
    for root in paths:
        files = [root] if root.is_file() else (p for p in root.rglob("*") if p.is_file())
        for f in files:
            with open(f, "rb") as fh:
                while fh.read(1 << 20):
                    pass


def reset_file_system(inputs: list[Path]) -> None:
    """Give every run the same file-system state, so that what one run (or
    the deletion of its output) left in the kernel's caches does not slow
    the next.

    ext4 without a journal (as on these machines) checks every candidate
    inode against the buffer cache when it allocates one, skipping those
    freed within the last 30 s (5 minutes while their inode table block is
    dirty). After 80,000 files were deleted, and even after that interval,
    the cached inode tables of earlier outputs made each later 10,000-case
    Casebook build spend more system time: 4.6 s, then 11, 16, 18, 21 s over
    six runs. With the caches dropped before each run, the system time
    stays at 5.2–5.8 s. So, where it may (root), the script drops the
    caches and reads the inputs back in; elsewhere it syncs and waits out
    the 30 s after the last deletion, which removes most, not all, of the
    effect. Neither is timed."""
    if drop_caches():
        read_through(inputs)
        return
    if _last_delete is None:
        return
    try:
        centisecs = int(Path("/proc/sys/vm/dirty_expire_centisecs").read_text())
    except (OSError, ValueError):
        centisecs = 3000
    remaining = _last_delete + centisecs / 100 + 5 - time.monotonic()
    if remaining > 0:
        time.sleep(remaining)


def measure(cmd: list[str], out: Path, logfile: Path, inputs: list[Path]) -> dict:
    return measure_steps([cmd], out, logfile, inputs)


def wrapped(cmd: list[str], logfile: Path) -> dict:
    """One command under the measurement wrapper; exits on failure."""
    r = subprocess.run([sys.executable, "-I", "-S", "-c", WRAPPER, str(logfile), *cmd],
                       capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit(f"error: measurement wrapper failed:\n{r.stderr}")
    res = json.loads(r.stdout.strip().splitlines()[-1])
    if "error" in res:
        sys.exit(f"error: could not run {cmd[0]}: {res['error']}")
    if res["rc"] != 0:
        tail = logfile.read_text(encoding="utf-8", errors="replace")[-4000:]
        sys.exit(f"error: {Path(cmd[0]).name} exited with {res['rc']} (log: {logfile})\n{tail}")
    return res


def measure_steps(cmds: list[list[str]], out: Path, logfile: Path, inputs: list[Path]) -> dict:
    """A clean build made of one or more commands run one after the other
    (Hugo, then Pagefind on its output), each under its own wrapper, with
    nothing reset between them, as a user's `hugo && pagefind` runs. Wall
    and CPU times are the steps' sums, peak memory the largest step's;
    `steps` keeps each step's figures. Every step's log is appended to
    `logfile` (one step: the log itself)."""
    if out.exists():
        delete_tree(out)  # every run is a clean build; deleting is not timed
    reset_file_system(inputs + [Path(c[0]) for c in cmds])
    logs = [logfile] if len(cmds) == 1 else \
        [logfile.with_name(f"{logfile.stem}.step{i}{logfile.suffix}") for i in range(len(cmds))]
    steps = [wrapped(cmd, step_log) for cmd, step_log in zip(cmds, logs)]
    if len(cmds) > 1:
        logfile.write_bytes(b"".join(p.read_bytes() for p in logs))
    res = {"wall": sum(r["wall"] for r in steps), "maxrss": max(r["maxrss"] for r in steps),
           "utime": sum(r["utime"] for r in steps), "stime": sum(r["stime"] for r in steps),
           "rc": 0, "steps": steps}
    if out.is_dir():
        res["out_bytes"], res["out_files"] = tree_size(out)
    else:
        log(f"warning: {out} was not created")
        res["out_bytes"], res["out_files"] = 0, 0
    return res


def run_timed(cmd: list[str], logfile: Path, inputs: list[Path]) -> dict:
    """One command under the measurement wrapper, with nothing deleted
    first (the scenarios below run over what earlier runs left)."""
    reset_file_system(inputs + [Path(cmd[0])])
    return wrapped(cmd, logfile)


def wait_for_removal(out: Path, limit: float = 600.0) -> float:
    """Wait (untimed) until the old generations a build set aside beside
    `out` are removed by its background remover; returns the seconds
    waited, so the next measurement does not share the machine with it."""
    t0 = time.perf_counter()
    prefix = f".{out.name}.discard-"
    while any(p.name.startswith(prefix) for p in out.parent.iterdir()):
        if time.perf_counter() - t0 > limit:
            log(f"  warning: {prefix}* still there after {limit:.0f} s")
            break
        time.sleep(0.2)
    return time.perf_counter() - t0


def edit_one_case(site: Path) -> None:
    """Append a sentence to the body of one case (the first in file order)."""
    case = min(p for p in (site / "content" / "cases").rglob("*.md") if p.name != "_index.md")
    with open(case, "a", encoding="utf-8") as f:
        f.write("\n\n本次修订补充了一句说明。\n")


def casebook_scenarios(binary: Path, base: Path, site: Path, clean_wall: float, n: int) -> None:
    """What an editor waits for after the clean build: rebuilds over the
    existing output (the second one also sets the generation before the
    previous aside for removal), one after editing a case, and
    `casebook search` without and with its kept index. One table row each.

    The clean builds above start with no cache, so they draw every
    picture variant and poster; every later build finds them in
    `.casebook-cache/`. So the rows are relative to a clean build with that
    cache warm (the first row here: an empty output, the cache the clean
    build left), which is what a rebuild saves against; the cold clean
    build's median is `clean_wall`, printed beside it."""
    out = base / "public-casebook"
    inputs = [p for p in base.iterdir() if p.is_dir() and not p.name.startswith(("public-", ".public-"))]
    build = [str(binary), "build", "-v", "--root", str(site), "--output", str(out)]
    search = [str(binary), "search", "--root", str(site), "质量"]
    warm = measure(build, out, base / "casebook-clean-warm.log", inputs)
    log(f"  casebook clean build, cache warm: {figures(warm)} "
        f"({warm['wall'] / clean_wall:.2f} × the cold clean build's {clean_wall:.2f} s)")
    rows = [("clean build, cache warm (the base of the rows below)", warm)]
    for k, what in enumerate(["rebuild, no change (keeps previous)",
                              "rebuild, no change (previous kept, older removed after)",
                              "rebuild after editing one case"]):
        if k == 2:
            edit_one_case(site)
        res = run_timed(build, base / f"casebook-rebuild-{k}.log", inputs)
        waited = wait_for_removal(out)
        log(f"  casebook {what}: {figures(res)} (old output removed {waited:.1f} s after it returned)")
        rows.append((what, res))
    shutil.rmtree(site / CASEBOOK_CACHE / "search", ignore_errors=True)
    for what in ["search, no kept index", "search, kept index"]:
        res = run_timed(search, base / f"casebook-{what.split(',')[1].strip().replace(' ', '-')}.log", inputs)
        log(f"  casebook {what}: {figures(res)}")
        rows.append((what, res))
    # Twice on one port, as an editor starts it again. (A preview's posters
    # link the published site, so both find the posters the builds drew.)
    port = free_port()
    for k, what in enumerate(["serve, first start", "serve, second start"]):
        reset_file_system(inputs + [binary])
        res = serve_start(binary, site, port, base / f"casebook-serve-{k}.log")
        log(f"  casebook {what}, to the first page: {figures(res)}")
        rows.append((what, res))
    for what, res in rows:
        print(f"| casebook {what} | {n:,} | {res['wall']:.2f} | {res['wall'] / warm['wall']:.2f} | "
              f"{maxrss_mib(res['maxrss']):.1f} | | |", flush=True)


def figures(res: dict) -> str:
    """A measurement's wall time, CPU (user + system) and peak memory."""
    return (f"{res['wall']:.2f} s wall, {res['utime'] + res['stime']:.2f} s CPU, "
            f"{maxrss_mib(res['maxrss']):.1f} MiB peak")


def serve_start(binary: Path, site: Path, port: int, logfile: Path) -> dict:
    """`casebook serve` from its start until it answers the home page (its
    port is bound at once; requests wait for the first build), then ended
    with SIGTERM. Peak memory is the server process's own (`wait4`), so it
    lacks the measurement wrapper's ~11 MiB floor of the other rows."""
    import signal
    import urllib.error
    import urllib.request
    with open(logfile, "wb") as fh:
        t0 = time.perf_counter()
        proc = subprocess.Popen([str(binary), "serve", "--root", str(site), "--port", str(port)],
                                stdin=subprocess.DEVNULL, stdout=fh, stderr=subprocess.STDOUT)
    try:
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=1800) as r:
                    r.read()
                break
            except urllib.error.HTTPError as e:
                sys.exit(f"error: serve answered {e.code} (log: {logfile})")
            except OSError:
                if proc.poll() is not None:
                    sys.exit(f"error: serve ended before answering (log: {logfile})")
                time.sleep(0.05)
        wall = time.perf_counter() - t0
    finally:
        if proc.returncode is None:
            proc.send_signal(signal.SIGTERM)
    _, _, ru = os.wait4(proc.pid, 0)
    proc.returncode = 0  # reaped here, for Popen's sake
    return {"rc": 0, "wall": wall, "maxrss": ru.ru_maxrss, "utime": ru.ru_utime, "stime": ru.ru_stime}


# The site's cache of picture variants, posters and the search index.
CASEBOOK_CACHE = ".casebook-cache"


# Which kind of page an output path is, for the largest-page report.
PAGE_KINDS = [
    ("list", re.compile(r"^(areas|industries|districts|years|methods)/[^/]+/(page/[0-9]+/)?index\.html$")),
    ("case", re.compile(r"^cases/[^/]+/index\.html$")),
    ("book front page", re.compile(r"^compilation/[0-9]+/index\.html$")),
    ("book chapter", re.compile(r"^compilation/[0-9]+/parts/[^/]+/([0-9]+/)?index\.html$")),
    ("book indices", re.compile(r"^compilation/[0-9]+/indices/index\.html$")),
    ("book print version", re.compile(r"^compilation/[0-9]+/print/index\.html$")),
    ("search", re.compile(r"^search/index\.html$")),
    ("home", re.compile(r"^index\.html$")),
]


def largest_pages(out: Path) -> dict[str, tuple[int, str]]:
    """The largest HTML page of each kind in a Casebook output: kind →
    (bytes, path). Issue 22's budget: no page over 150 KB (case pages with
    long bodies aside), no page of the web book over 1 MB (its one-page
    print version aside)."""
    largest: dict[str, tuple[int, str]] = {}
    for path in out.rglob("*.html"):
        rel = path.relative_to(out).as_posix()
        kind = next((k for k, pattern in PAGE_KINDS if pattern.match(rel)), "other")
        size = path.stat().st_size
        if size > largest.get(kind, (-1, ""))[0]:
            largest[kind] = (size, rel)
    return largest


def check_output(tool: Tool, out: Path, stats: dict, logfile: Path) -> None:
    """Say on stderr whether the build made a page per published case and per
    term, none for drafts, and whether the tool warned about anything."""
    missing = [cid for cid, y in stats["published"] if not (out / tool.case_page(cid, y)).is_file()]
    leaked = [cid for cid, y in stats["draft_ids"] if (out / tool.case_page(cid, y)).exists()]
    parts = [f"{len(stats['published']) - len(missing)}/{len(stats['published'])} case pages"]
    ok = not missing and not leaked
    if leaked:
        parts.append(f"{len(leaked)} DRAFT pages (e.g. {leaked[0]})")
    for key, folder in tool.term_dirs.items():
        d = out / folder
        found = sum(1 for e in os.scandir(d) if e.is_dir() and (Path(e.path) / "index.html").is_file()) \
            if d.is_dir() else 0
        want = len(stats["terms"][key])
        ok &= found == want
        parts.append(f"{key} {found}/{want}")
    log_text = logfile.read_text(encoding="utf-8", errors="replace")
    warns = tool.warnings(log_text)
    parts.append(f"{len(warns)} warnings")
    log(f"  {tool.name} output {'ok' if ok and not warns else 'CHECK'}: " + ", ".join(parts))
    if missing:
        log(f"    missing case pages, e.g. {missing[:3]}")
    for ln in warns[:5]:
        log(f"    {ln}")
    phases = tool.phases(log_text)
    if phases:
        log("    phases: " + "; ".join(re.sub(r"\s+", " ", p) for p in phases))
    for note in tool.notes(log_text, out):
        log(f"    {note}")


DEPLOY_KEY, DEPLOY_SECRET = "benchkey", "bench-secret-key"


def free_port() -> int:
    import socket
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def bench_deploy(binary: Path, base: Path, site: Path, out: Path, stats: dict, n: int) -> None:
    """`--deploy`: publish the built site to a local s3s-fs (a real S3
    server writing to disk), then time a deploy with nothing changed and
    count the files a one-case edit uploads. Prints one table row."""
    server_bin = shutil.which("s3s-fs") or str(Path.home() / ".cargo/bin/s3s-fs")
    if not Path(server_bin).is_file():
        sys.exit("error: --deploy needs s3s-fs (cargo install --locked s3s-fs --version 0.14.1 --features binary)")
    data = base / "s3"
    (data / "site").mkdir(parents=True, exist_ok=True)
    port = free_port()
    server = subprocess.Popen([server_bin, "--host", "127.0.0.1", "--port", str(port),
                               "--access-key", DEPLOY_KEY, "--secret-key", DEPLOY_SECRET, str(data)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    env = dict(os.environ, AWS_ENDPOINT_URL=f"http://127.0.0.1:{port}", AWS_REGION="us-east-1",
               AWS_ACCESS_KEY_ID=DEPLOY_KEY, AWS_SECRET_ACCESS_KEY=DEPLOY_SECRET)
    deploy = [str(binary), "deploy", "--root", str(site), "--output", str(out), "--target", "s3://site/www"]

    def timed(extra=()) -> tuple[float, str]:
        t0 = time.perf_counter()
        r = subprocess.run(deploy + list(extra), env=env, capture_output=True, text=True)
        if r.returncode != 0:
            sys.exit(f"error: deploy failed:\n{r.stderr[-4000:]}")
        return time.perf_counter() - t0, r.stdout

    try:
        import socket
        for _ in range(300):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.1)
        full, _ = timed()
        none, _ = timed()
        cid, year = stats["published"][len(stats["published"]) // 2]
        page = site / "content" / "cases" / str(year) / cid / "index.md"
        page.write_text(page.read_text(encoding="utf-8") + "\n本段为发布基准追加的一句话。\n", encoding="utf-8")
        r = subprocess.run([str(binary), "build", "--root", str(site), "--output", str(out)],
                           capture_output=True, text=True)
        if r.returncode != 0:
            sys.exit(f"error: rebuild after the edit failed:\n{r.stderr[-4000:]}")
        _, planned = timed(["--dry-run"])
        changed = [ln[3:] for ln in planned.splitlines() if ln.startswith("上传 ")]
        one, _ = timed()
        outside = [k for k in changed if not k.startswith("search/")]
        log(f"  deploy: one-case edit of {cid} uploads {len(changed)} files, "
            f"{len(outside)} outside search/: {outside[:12]}")
        print(f"| deploy | {n:,} | full {full:.2f} | no change {none:.2f} | "
              f"one-case edit: {len(changed)} files ({len(outside)} outside search/), {one:.2f} |", flush=True)
    finally:
        server.terminate()
        server.wait()
        delete_tree(data)


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def parse_cases(s: str) -> list[int]:
    try:
        ns = [int(x.replace("_", "")) for x in s.split(",") if x.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number or comma list: {s!r}")
    if not ns or any(n < 1 for n in ns):
        raise argparse.ArgumentTypeError(f"case counts must be positive: {s!r}")
    return ns


TOOL_NAMES = ("casebook", "hugo", "hugo+pagefind", "zola")


def parse_tools(s: str) -> list[str]:
    names = [x.strip().lower() for x in s.split(",") if x.strip()]
    bad = [x for x in names if x not in TOOL_NAMES]
    if bad or not names:
        raise argparse.ArgumentTypeError(f"tools are a comma list of {', '.join(TOOL_NAMES)}: {s!r}")
    return sorted(set(names), key=TOOL_NAMES.index)  # casebook first: the ratio's base


def book_cases(site: Path, year: int) -> int:
    """Published cases of `year` in a generated site (what its book holds)."""
    n = 0
    for index in (site / "content" / "cases" / str(year)).glob("*/index.md"):
        head = index.read_text(encoding="utf-8").split("\n---", 1)[0]
        n += "status: draft" not in head
    return n


def pdf_pages(pdf: Path) -> str:
    """The PDF's page count by poppler's pdfinfo, or "?" without it."""
    try:
        out = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True).stdout
    except OSError:
        return "?"
    found = re.search(r"^Pages:\s+(\d+)", out, re.M)
    return f"{int(found.group(1)):,}" if found else "?"


def typeset(args) -> None:
    """One table row per size: `casebook compile --year Y --pdf` on the
    generated site, wall time and peak memory (median of --runs)."""
    binary = resolve_binary(args.casebook)
    work = (args.keep.resolve() if args.keep else Path(tempfile.mkdtemp(prefix="casebook-typeset-")))
    work.mkdir(parents=True, exist_ok=True)
    year = args.typeset
    print(f"| site cases | {year} book cases | pages | wall (s) | CPU (s) | peak memory (MiB) | PDF (MiB) |")
    print("|---:|---:|---:|---:|---:|---:|---:|", flush=True)
    try:
        for n in args.cases:
            base = work / str(n)
            if base.exists():
                delete_tree(base)
            site = base / "site"
            generate_site(site, n, args.seed)
            runs = []
            for k in range(1, args.runs + 1):
                out, logfile = base / "public", base / f"typeset-{k}.log"
                cmd = [str(binary), "compile", "--year", str(year), "--pdf",
                       "--root", str(site), "--output", str(out)]
                res = measure(cmd, out, logfile, [site])
                runs.append(res)
                log(f"  typeset run {k}/{args.runs}: {res['wall']:.2f} s wall, "
                    f"{res['utime'] + res['stime']:.2f} s CPU, {maxrss_mib(res['maxrss']):.1f} MiB peak")
            pdf = base / "public" / "compilation" / f"{year}.pdf"
            wall = statistics.median(r["wall"] for r in runs)
            cpu = statistics.median(r["utime"] + r["stime"] for r in runs)
            mem = statistics.median(maxrss_mib(r["maxrss"]) for r in runs)
            size = f"{pdf.stat().st_size / 2**20:.1f}" if pdf.exists() else "–"
            print(f"| {n:,} | {book_cases(site, year):,} | {pdf_pages(pdf)} | {wall:.2f} | {cpu:.2f} | "
                  f"{mem:.1f} | {size} |", flush=True)
            if not args.keep:
                delete_tree(base)
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)


def main() -> None:
    ap = argparse.ArgumentParser(
        description="Generate a synthetic Casebook site and time `casebook build` on it, "
                    "and Hugo and Zola on the same content.")
    ap.add_argument("--cases", type=parse_cases, required=True,
                    help="number of cases, or a comma list (1000,10000) for one row each")
    ap.add_argument("--seed", type=int, default=1, help="generator seed (default 1)")
    ap.add_argument("--runs", type=int, default=1, help="builds per size and tool; the median is reported")
    ap.add_argument("--keep", metavar="DIR", type=Path,
                    help="work in DIR instead of a temp dir and keep it: DIR/N/site, DIR/N/public-TOOL, logs")
    ap.add_argument("--tools", type=parse_tools,
                    help="comma list of casebook,hugo,hugo+pagefind,zola "
                         "(default: casebook, and hugo/zola when found)")
    ap.add_argument("--casebook", metavar="PATH",
                    help="binary to time (default target/release/casebook, built with cargo if missing)")
    ap.add_argument("--hugo", metavar="PATH", help="hugo binary (default: hugo on PATH)")
    ap.add_argument("--zola", metavar="PATH", help="zola binary (default: zola on PATH)")
    ap.add_argument("--pagefind", metavar="PATH",
                    help="Pagefind's extended binary for hugo+pagefind (default: pagefind_extended on PATH)")
    ap.add_argument("--scenarios", action="store_true",
                    help="after the clean builds, time Casebook's rebuilds over the existing output, "
                         "one after a one-case edit, and casebook search cold and warm (rows × clean build)")
    ap.add_argument("--typeset", metavar="YEAR", type=int,
                    help="time `casebook compile --year YEAR --pdf` (the typeset book) instead of builds")
    ap.add_argument("--deploy", action="store_true",
                    help="also deploy each Casebook output to a local s3s-fs: full, no-change and one-case-edit "
                         "deploy times (s) and the files the edit uploads")
    ap.add_argument("--generate-only", metavar="DIR", type=Path,
                    help="only write the Casebook site (casebook.toml + content/) into DIR and exit")
    args = ap.parse_args()
    if args.runs < 1:
        ap.error("--runs must be at least 1")

    if args.generate_only:
        if len(args.cases) != 1:
            ap.error("--generate-only takes a single --cases N")
        d = args.generate_only
        if d.exists() and any(d.iterdir()):
            sys.exit(f"error: {d} exists and is not empty")
        t0 = time.perf_counter()
        st = generate_site(d, args.cases[0], args.seed)
        log(f"generated {st['cases']} cases ({st['drafts']} drafts, {st['bytes'] / 2**20:.1f} MiB) "
            f"in {time.perf_counter() - t0:.1f} s into {d}")
        return

    if args.typeset:
        typeset(args)
        return

    tools = find_tools(args)
    for t in tools:
        log(f"{t.name}: {t.binary} ({t.version})")
        if isinstance(t, HugoPagefind):
            log(f"  then {t.pagefind} ({t.pagefind_version})")
    if args.keep:
        args.keep.mkdir(parents=True, exist_ok=True)
        work = args.keep.resolve()
    else:
        work = Path(tempfile.mkdtemp(prefix="casebook-bench-"))
    done = False
    try:
        print("| tool | cases | wall (s) | × casebook | peak memory (MiB) | output (MiB) | files |")
        print("|---|---:|---:|---:|---:|---:|---:|", flush=True)
        for n in args.cases:
            base = work / str(n)
            if base.exists():
                delete_tree(base)  # sites and outputs of an earlier run
            site = base / "site"
            copies = [zola_copy(base / "zola")] if any(t.name == "zola" for t in tools) else []
            t0 = time.perf_counter()
            st = generate_site(site, n, args.seed, copies)
            for t in tools:
                t.prepare(base, site, st)
            log(f"generated {n} cases ({st['drafts']} drafts, {st['bytes'] / 2**20:.1f} MiB) "
                f"in {time.perf_counter() - t0:.1f} s")
            # Runs alternate between tools, so a change in machine load
            # during the measurement falls on all of them alike.
            runs: dict[str, list[dict]] = {t.name: [] for t in tools}
            for k in range(1, args.runs + 1):
                for t in tools:
                    out, logfile = base / f"public-{t.name}", base / f"{t.name}-build-{k}.log"
                    inputs = [p for p in base.iterdir()
                              if p.is_dir() and not p.name.startswith("public-")]
                    if t.name == "casebook":
                        # Every clean build is the content's first, drawing its
                        # picture variants and posters: nothing cached by an
                        # earlier run (untimed; see casebook_scenarios).
                        shutil.rmtree(site / CASEBOOK_CACHE, ignore_errors=True)
                    res = measure_steps(t.steps(base, site, out), out, logfile, inputs)
                    runs[t.name].append(res)
                    log(f"  {t.name} run {k}/{args.runs}: {res['wall']:.2f} s wall, "
                        f"{res['utime'] + res['stime']:.2f} s CPU, {maxrss_mib(res['maxrss']):.1f} MiB peak, "
                        f"{res['out_files']} files")
                    if len(res["steps"]) > 1:
                        log("    steps: " + "; ".join(
                            f"{r['wall']:.2f} s wall, {r['utime'] + r['stime']:.2f} s CPU, "
                            f"{maxrss_mib(r['maxrss']):.1f} MiB peak" for r in res["steps"]))
                    if k == 1:
                        check_output(t, out, st, logfile)
                        if t.name == "casebook":
                            for kind, (size, rel) in sorted(largest_pages(out).items()):
                                log(f"    largest {kind} page: {size / 1024:.1f} KB ({rel})")
            base_wall = None
            for t in tools:
                rs = runs[t.name]
                if len({(r["out_bytes"], r["out_files"]) for r in rs}) > 1:
                    log(f"  warning: {t.name} output size differs between runs (non-deterministic build?)")
                wall = statistics.median(r["wall"] for r in rs)
                mem = statistics.median(maxrss_mib(r["maxrss"]) for r in rs)
                if t.name == "casebook":
                    base_wall = wall
                ratio = f"{wall / base_wall:.2f}" if base_wall else "–"
                last = rs[-1]
                print(f"| {t.label} | {n:,} | {wall:.2f} | {ratio} | {mem:.1f} | "
                      f"{last['out_bytes'] / 2**20:.1f} | {last['out_files']:,} |", flush=True)
            casebook = next((t for t in tools if t.name == "casebook"), None)
            if casebook and base_wall and args.scenarios:
                casebook_scenarios(casebook.binary, base, site, base_wall, n)
            if args.deploy:
                casebook = next(t for t in tools if t.name == "casebook")
                bench_deploy(casebook.binary, base, site, base / "public-casebook", st, n)
        done = True
    except KeyboardInterrupt:
        done = True  # interrupted, not failed: clean up
        raise
    finally:
        if args.keep:
            log(f"kept in {work}")
        elif not done:
            log(f"left {work} for inspection (delete it when done)")
        else:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
