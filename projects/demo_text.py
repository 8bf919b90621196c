"""The demo portfolio's texts: distinct systems for distinct sites, bureaus and cities, composed
from the building blocks in data/demo_vocabulary.json, with a known share of planted pairs.

A *system* is one kind of system (治安视频监控, 校园安防 ...) at one site of its scope (a school,
a community, a reservoir; "city" kinds stand once per city or county) in one territory (Tacheng,
then counties). Each system appears at most once per territory, so two projects are alike only
when planted:

- duplicates: a reworded copy of another project of the same territory filed by another
  department (everyday synonyms, other sentence order, another name), or a bigger platform that
  includes the smaller system's substance;
- hard negatives (not duplicates, but close): a consumer that builds its own system on the other
  one (依托已建成的…, 调用…接口, 不另建…), a phase-2 extension by the same department with new
  scope, and the same kind of system for another site.

Texts are a pure function of the system (and of the planted relation), never of the project:
the counties' texts name no county (their departments do), so one county's 12345 hotline reads
as another's and the learned guard embeds each distinct text once; the number of distinct texts
stays bounded (about the kinds' sites, twice, plus the planted ones) whatever the portfolio's
size.
"""
import random
from dataclasses import dataclass, field

HOME = "tacheng"
COUNTY = "county"
DUPLICATE_KINDS = ("paraphrase", "paraphrase", "paraphrase", "superset")
NEGATIVE_KINDS = ("consumer", "phase", "other_site")
SITES_PER_KIND = 6  # sites of one territory that have a system of the same kind
FILL = 0.9  # share of a territory's systems a portfolio uses before it opens the next one
SYNTHETIC_HEADS = ("阿克", "乌兰", "喀拉", "托克", "库尔", "巴音", "哈拉", "博尔", "塔什", "吐尔",
                   "萨尔", "额尔", "阿拉", "克孜", "乌尊", "铁列", "别斯", "琼库", "恰克", "苏鲁")
SYNTHETIC_TAILS = ("布拉克", "托别", "乌孜", "吉尔", "萨依", "铁热克", "苏木", "塔木", "勒克",
                   "阔拉", "巴什", "温都", "吐孜", "库勒", "加依", "哈德", "沙尔", "塔斯",
                   "乌拉", "木呼")  # synthetic county names, for portfolios beyond the listed ones


@dataclass(frozen=True)
class Territory:
    key: str  # "" for Tacheng (its own departments), else the county's name
    name: str
    name_en: str
    flavour: str  # HOME or COUNTY: how texts name the place
    number: int = 0  # a county's place in the list (its departments' codes)


@dataclass
class Spec:
    """One project to seed: where, which department (a Tacheng department name, or a county
    unit key), its texts, and the system it is."""

    territory: Territory
    department: str
    name: str
    description: str
    capabilities: list
    category: str
    system: str  # "kind|site" (the same system in two territories has the same key)
    planted: dict = field(default_factory=dict)  # {"kind", "partner": index of the other spec}


def _rng(*parts) -> random.Random:
    return random.Random("|".join(str(p) for p in parts))


class Generator:
    def __init__(self, vocab: dict):
        self.vocab = vocab
        self.kinds = vocab["kinds"]
        self.sites = vocab["sites"]

    # --- territories and their systems --------------------------------------------------------

    def territories(self):
        """Tacheng first, then the listed counties, then synthetic county names."""
        yield Territory("", self.vocab["home"]["name"], "Tacheng", HOME)
        number = 0
        for number, (name, name_en) in enumerate(self.vocab["territories"], start=1):
            yield Territory(name, name, name_en, COUNTY, number)
        for head in SYNTHETIC_HEADS:
            for tail in SYNTHETIC_TAILS:
                number += 1
                yield Territory(head + tail + "县", head + tail + "县", f"{head}{tail} County",
                                COUNTY, number)

    def systems_of(self, territory: Territory) -> list[tuple[int, str]]:
        """(kind index, site) of every system a territory can have: city-wide kinds once, the
        others at a few of the scope's sites (Tacheng's townships and port only at home)."""
        out = []
        for k, kind in enumerate(self.kinds):
            if kind["scope"] in ("township", "port") and territory.flavour != HOME:
                continue
            sites = self.sites[kind["scope"]]
            if len(sites) > SITES_PER_KIND:  # a city builds one kind at a few of its sites
                sites = _rng("sites", territory.name, k).sample(sites, SITES_PER_KIND)
            out.extend((k, site) for site in sites)
        return out

    # --- texts ----------------------------------------------------------------------------------

    def _figure(self, k: int, site: str) -> int:
        lo, hi = self.kinds[k]["n"]
        return _rng("n", k, site).randint(lo, hi)

    def base(self, k: int, site: str, flavour: str) -> dict:
        """The texts of one system, as its own department writes them: the kind's substance
        in one of several sentence shapes (proposals share little boilerplate)."""
        kind = self.kinds[k]
        rng = _rng("base", k, site, flavour)
        shapes = self.vocab["shapes"]
        n = self._figure(k, site)
        name = kind["names"][0].format(site=site)
        builds = [b.format(site=site, n=n) for b in kind["builds"]]
        caps = list(kind["capabilities"])
        parts = []
        if rng.random() < 0.5:
            parts.append(rng.choice(shapes["openers"]).format(serves=kind["serves"]))
        parts.append(rng.choice(shapes["intro"]).format(name=name) + ",".join(builds) + "。")
        parts.append(rng.choice(shapes["features"]).format(caps="、".join(caps),
                                                           serves=kind["serves"]))
        if rng.random() < 0.3:
            parts.append(rng.choice(shapes["closings"]))
        return {"name": name, "description": "".join(parts), "capabilities": caps}

    def _reword(self, text: str, rng) -> str:
        table = self.vocab["paraphrase"]
        out, i = [], 0
        words = sorted(table, key=len, reverse=True)
        while i < len(text):
            word = next((w for w in words if text.startswith(w, i)), None)
            if word is not None and rng.random() < 0.85:
                out.append(rng.choice(table[word]))
                i += len(word)
            elif word is not None:
                out.append(word)
                i += len(word)
            else:
                out.append(text[i])
                i += 1
        return "".join(out)

    def paraphrase(self, k: int, site: str, flavour: str) -> dict:
        """The same system in other words: another name, other order, everyday synonyms, the
        same figure and place."""
        kind = self.kinds[k]
        rng = _rng("paraphrase", k, site, flavour)
        n = self._figure(k, site)
        builds = [b.format(site=site, n=n) for b in kind["builds"]]
        rng.shuffle(builds)
        name = kind["names"][1 % len(kind["names"])].format(site=site)
        text = (f"拟{name}:" + ";".join(self._reword(b, rng) for b in builds)
                + "。上线后可提供" + "、".join(self._reword(c, rng) for c in kind["capabilities"])
                + ",使用对象为" + kind["serves"] + "。")
        caps = [self._reword(c, rng) for c in kind["capabilities"]]
        return {"name": self._reword(name, rng), "description": text, "capabilities": caps}

    def superset(self, k: int, site: str, flavour: str, other: int) -> dict:
        """A bigger platform that includes system (k, site) and another kind's substance."""
        kind, extra = self.kinds[k], self.kinds[other]
        rng = _rng("superset", k, site, flavour, other)
        n = self._figure(k, site)
        mine = [self._reword(b.format(site=site, n=n), rng) for b in kind["builds"]]
        theirs = [b.format(site=site or "城区", n=self._figure(other, site))
                  for b in extra["builds"][:2]]
        stem = kind["names"][0].format(site=site).removesuffix("建设").removesuffix("系统")
        name = f"{stem}与{extra['key']}综合平台"
        text = (f"统一建设{name},分两部分:一是" + ",".join(mine) + ";二是" + ",".join(theirs)
                + "。平台具备" + "、".join(kind["capabilities"] + extra["capabilities"][:2])
                + "等功能,各相关部门共用,不再分头建设。")
        return {"name": name, "description": text,
                "capabilities": kind["capabilities"] + extra["capabilities"][:2]}

    def consumer(self, own: tuple[int, str], source: dict, source_kind: int,
                 flavour: str) -> dict:
        """Its own system (own kind at own site) built on the other's: uses, does not rebuild."""
        texts = self.base(own[0], own[1], flavour)
        used = self.kinds[source_kind]["capabilities"]
        texts["description"] += (f"项目依托已建成的{source['name']},调用其{used[0]}接口,"
                                 f"不另建{used[-1]}。")
        return texts

    def phase(self, k: int, site: str, flavour: str, source: dict) -> dict:
        """Phase 2 of a system by the same department: new scope, phase 1 reused."""
        kind = self.kinds[k]
        rng = _rng("phase", k, site, flavour)
        features = rng.sample(self.vocab["features"], 2)
        lo, hi = kind["n"]
        more = rng.randint(max(1, lo // 3), max(2, hi // 3))
        extension = kind["builds"][0].format(site=site, n=more)
        text = (f"{source['name']}一期已建成并投入使用。二期在一期基础上{extension},"
                f"增加{features[0]}和{features[1]}功能,一期设备和数据继续沿用,不重复购置。")
        return {"name": source["name"] + "(二期)", "description": text,
                "capabilities": [source["capabilities"][0]] + features}


def plan(gen: Generator, count: int, share: float, rng: random.Random,
         choose_department) -> list[Spec]:
    """`count` specs over as many territories as needed; about `share` of them are planted
    duplicates and as many planted hard negatives. choose_department(territory, kind, rng,
    avoid) names the filing department."""
    specs: list[Spec] = []
    planted_dups = round(count * share)
    planted_negs = round(count * share)
    budget_plain = count - planted_dups - planted_negs
    territories = gen.territories()
    pools = []  # (territory, shuffled unused systems)
    while len(specs) < budget_plain:
        territory = next(territories, None)
        if territory is None:
            raise RuntimeError("the demo vocabulary has too few territories for this many "
                               "projects")
        systems = gen.systems_of(territory)
        rng.shuffle(systems)
        take = min(int(len(systems) * FILL), budget_plain - len(specs))
        pools.append((territory, systems[take:]))
        for k, site in systems[:take]:
            specs.append(_spec(gen, territory, k, site, gen.base(k, site, territory.flavour),
                               choose_department(territory, gen.kinds[k], rng, None)))
    plain = len(specs)
    spare = {t.key: unused for t, unused in pools}
    wanted = {"dup": planted_dups, "neg": planted_negs}
    for kind, number in wanted.items():
        placed, tries = 0, 0
        while placed < number and tries < 20 * number:
            tries += 1
            source_index = rng.randrange(plain)
            source = specs[source_index]
            if source.planted:
                continue
            partner = _planted(gen, source, kind, rng, spare[source.territory.key],
                               choose_department)
            if partner is None:
                continue
            partner.planted = {"kind": partner.planted["kind"], "partner": source_index}
            source.planted = {"source": True}
            specs.append(partner)
            placed += 1
    order = list(range(len(specs)))
    rng.shuffle(order)
    position = {old: new for new, old in enumerate(order)}
    for spec in specs:
        if "partner" in spec.planted:
            spec.planted["partner"] = position[spec.planted["partner"]]
    return [specs[i] for i in order]


def _spec(gen, territory, k, site, texts, department, system=None) -> Spec:
    return Spec(territory=territory, department=department, name=texts["name"],
                description=texts["description"], capabilities=texts["capabilities"],
                category=gen.kinds[k]["category"], system=system or f"{k}|{site}")


def _planted(gen, source: Spec, kind: str, rng, unused: list, choose_department):
    k, site = source.system.split("|", 1)
    k = int(k)
    flavour, territory = source.territory.flavour, source.territory
    other_department = choose_department(territory, gen.kinds[k], rng, source.department)
    if kind == "dup":
        what = rng.choice(DUPLICATE_KINDS)
        if what == "paraphrase":
            texts = gen.paraphrase(k, site, flavour)
        else:
            others = [j for j, other in enumerate(gen.kinds)
                      if j != k and other["category"] == gen.kinds[k]["category"]]
            other = others[_rng("other", k).randrange(len(others))] if others else k
            texts = gen.superset(k, site, flavour, other)
        spec = _spec(gen, territory, k, site, texts, other_department, source.system)
        spec.planted = {"kind": what}
        return spec
    what = rng.choice(NEGATIVE_KINDS)
    base = {"name": source.name, "capabilities": source.capabilities}
    if what == "phase":
        spec = _spec(gen, territory, k, site, gen.phase(k, site, flavour, base),
                     source.department, source.system + "|phase2")
    elif what == "other_site":
        same = [i for i, (j, s) in enumerate(unused) if j == k and s != site]
        if not same:
            return None
        j, other_site = unused.pop(same[0])
        spec = _spec(gen, territory, j, other_site, gen.base(j, other_site, flavour),
                     choose_department(territory, gen.kinds[j], rng, None))
    else:  # consumer: its own new system, on the source's platform
        if not unused:
            return None
        j, own_site = unused.pop(rng.randrange(len(unused)))
        spec = _spec(gen, territory, j, own_site,
                     gen.consumer((j, own_site), base, k, flavour),
                     choose_department(territory, gen.kinds[j], rng, source.department))
    spec.planted = {"kind": what}
    return spec
