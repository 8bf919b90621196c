"""Reading one proposal's text: what it builds, what it uses, where, how many, which phase.

Pure functions of the texts (no database, no Flask), shared by the index, the training command
and the explanations. The vocabulary is generic (data/guard_lexicon.json): jieba keeps common
e-government words whole; reuse cues (依托, 调用, 接入 ...) and negated builds (不另建 ...) start
a clause that names what the project *uses*; places are words ending like a place (县, 乡,
街道, 口岸, 水库, 学校 ...) that are not generic (全县, 城区 ...); counts are numbers with a unit.
"""
import hashlib
import json
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import jieba

jieba.setLogLevel(60)
# Its own tokenizer: words other code adds to jieba's default one must not change how this
# engine segments (the model was fitted on this segmentation).
_tokenizer = jieba.Tokenizer()
LEXICON_FILE = Path(__file__).resolve().parents[2] / "data" / "guard_lexicon.json"
CLAUSE_SPLIT = re.compile(r"[，,。;；：:!！?？\n、]")
SENTENCE_END = "，,。;；：:!！?？\n"
TERRITORY_SUFFIXES = ("省", "市", "州", "地区", "盟", "县", "旗", "区", "新区")  # 新区: a district
PREFECTURE_SUFFIXES = ("地区", "市", "州", "盟")
COUNTY_SUFFIXES = ("县", "旗", "区")  # places of one level: two of them never overlap
# A word that cannot head a place name before a bare suffix (上传 + 县, 由县 + 医院): jieba
# tags of verbs, prepositions, numerals, adverbs, pronouns, directions, places-as-positions,
# distinguishing words, conjunctions, particles; words ending in a verb complement (传至).
NOT_A_HEAD_TAGS = ("v", "p", "m", "d", "r", "f", "s", "b", "c", "u", "q")
NOT_A_HEAD_ENDS = ("至", "到", "往", "入", "给", "向")
NOT_A_HEAD_STARTS = ("由", "从", "向", "在", "至", "经", "对", "为", "将", "把", "被", "按", "往")
NUMERALS = "一二三四五六七八九十两几"
NUMBER = re.compile(r"(\d+(?:\.\d+)?)\s*([^\d\s，,。;；：:、()（）]{1,3})")
BRACKETS = re.compile(r"[()（）\[\]【】《》\s]")


@dataclass(frozen=True)
class Lexicon:
    terms: tuple
    reuse_cues: re.Pattern
    existing: tuple
    no_build: re.Pattern
    cue_negations: tuple
    phase: re.Pattern
    suffixes: tuple
    generic: frozenset
    units: tuple
    stopwords: frozenset


@lru_cache(maxsize=1)
def lexicon() -> Lexicon:
    data = json.loads(LEXICON_FILE.read_text(encoding="utf-8"))
    for term in data["terms"]:
        _tokenizer.add_word(term, freq=20000)

    def alternation(words):
        return re.compile("|".join(re.escape(w) for w in sorted(words, key=len, reverse=True)))

    return Lexicon(
        terms=tuple(data["terms"]), reuse_cues=alternation(data["reuse_cues"]),
        existing=tuple(data["existing_markers"]), no_build=alternation(data["no_build"]),
        cue_negations=tuple(data["cue_negations"]), phase=alternation(data["phase_markers"]),
        suffixes=tuple(sorted(data["place_suffixes"], key=len, reverse=True)),
        generic=frozenset(data["generic_places"]),
        units=tuple(sorted(data["number_units"], key=len, reverse=True)),
        stopwords=frozenset(data["stopwords"]))


@dataclass
class TextFeatures:
    """What the guard reads in one project's texts."""

    tokens: list = field(default_factory=list)  # words of what it builds (name counted twice)
    used: str = ""  # the clauses naming what it uses from elsewhere or does not build
    reuses: bool = False  # it says it builds on something existing
    no_build: bool = False  # it says what it does not build (不另建 ...)
    phase: bool = False  # its name or text marks a later phase
    name_stem: str = ""  # its name without brackets and phase markers
    territories: frozenset = frozenset()  # counties, districts, cities it names or belongs to
    home: frozenset = frozenset()  # the territories its department and name say it is for
    sites: frozenset = frozenset()  # finer places: townships, streets, ports, schools ...
    counts: frozenset = frozenset()  # "186辆", "24个": counted things of some size
    texts: dict = field(default_factory=dict)  # field -> the text its sentence vector reads
    masked: dict = field(default_factory=dict)  # field -> text without places and numbers

    def as_json(self) -> dict:
        return {"tokens": self.tokens, "used": self.used, "reuses": self.reuses,
                "no_build": self.no_build, "phase": self.phase, "name_stem": self.name_stem,
                "territories": sorted(self.territories), "home": sorted(self.home),
                "sites": sorted(self.sites),
                "counts": sorted(self.counts), "texts": self.texts, "masked": self.masked}

    @classmethod
    def from_json(cls, data: dict) -> "TextFeatures":
        return cls(tokens=list(data["tokens"]), used=data["used"], reuses=data["reuses"],
                   no_build=data["no_build"], phase=data["phase"], name_stem=data["name_stem"],
                   territories=frozenset(data["territories"]),
                   home=frozenset(data.get("home", ())), sites=frozenset(data["sites"]),
                   counts=frozenset(data["counts"]), texts=dict(data["texts"]),
                   masked=dict(data["masked"]))


ANALYSIS_VERSION = "8"  # move it when analyse() changes: stored analyses are then recomputed


def text_hash(*texts: str) -> str:
    return hashlib.sha1("\x1f".join((ANALYSIS_VERSION,) + texts).encode("utf-8")).hexdigest()


def used_spans(text: str, lex: Lexicon) -> list[tuple[int, int]]:
    """Character ranges naming what the project uses rather than builds: a clause after a
    reuse cue that points at something existing (依托已建成的…, 调用…接口), or after a negated
    build (不另建…)."""
    spans = []
    for match in lex.no_build.finditer(text):
        spans.append((match.start(), _clause_end(text, match.end())))
    for match in lex.reuse_cues.finditer(text):
        before = text[max(0, match.start() - 2):match.start()]
        if before.endswith(lex.cue_negations):
            continue  # 暂不对接: no reuse
        end = _clause_end(text, match.end())
        clause = text[match.start():end]
        if any(marker in clause for marker in lex.existing):
            start = _clause_start(text, match.start()) if match.group() in ("对接", "纳入", "共享") \
                else match.start()
            spans.append((start, end))
    return spans


def _clause_end(text: str, position: int) -> int:
    while position < len(text) and text[position] not in SENTENCE_END:
        position += 1
    return position


def _clause_start(text: str, position: int) -> int:
    return max(text.rfind(c, 0, position) for c in SENTENCE_END) + 1


def _inside(position: int, spans) -> bool:
    return any(start <= position < end for start, end in spans)


def words(text: str, lex: Lexicon):
    """(word, position) of the meaningful words of a text."""
    position = 0
    for word in _tokenizer.lcut(text, HMM=True):
        start = text.find(word, position)
        position = start + len(word) if start >= 0 else position
        if len(word) < 2 or word in lex.stopwords or not word.strip():
            continue
        if any(ch.isdigit() for ch in word) or all(not ch.isalnum() for ch in word):
            continue
        yield word, start


def places(text: str, lex: Lexicon) -> tuple[set, set]:
    """(territories, sites) named in a text: a word ending in a place suffix, or a name word
    followed by a bare suffix (夏孜盖 + 乡), that is not a generic place (全县, 城区 ...)."""
    territories, sites = set(), set()
    tokens = _tokenizer.lcut(text, HMM=True)
    for i, token in enumerate(tokens):
        candidate = None
        if token in lex.suffixes and i > 0 and _may_head_a_place(tokens[i - 1], lex):
            candidate = tokens[i - 1] + token
        elif len(token) >= 3 and token.endswith(lex.suffixes) and _is_name(token, lex):
            candidate = token
        if candidate and candidate not in lex.generic and _is_name(candidate, lex) \
                and not _numbered(candidate, lex):
            (territories if _is_territory(candidate, lex) else sites).add(candidate)
    return territories, sites


def _outermost(territories: set) -> set:
    """Without the places that are the tail of another one found (乌拉县 read inside
    乌兰乌拉县 when jieba splits a name it does not know): one county, not two."""
    return {t for t in territories if not any(o != t and o.endswith(t) for o in territories)}


def _is_territory(place: str, lex: Lexicon) -> bool:
    """A place is of the kind its longest suffix says: 北园社区 and 化工园区 end in 社区 and
    园区 (sites), not in 区 (a district)."""
    return _suffix(place, lex) in TERRITORY_SUFFIXES


def _suffix(place: str, lex: Lexicon) -> str:
    """The longest place suffix the word ends in (lex.suffixes is longest first), or ""."""
    return next((s for s in lex.suffixes if place.endswith(s)), "")


@lru_cache(maxsize=1)
def _word_tags() -> dict:
    """jieba's part-of-speech dictionary: a known word not tagged as a place (ns) is not one."""
    import jieba.posseg
    return jieba.posseg.dt.word_tag_tab


def load_dictionaries() -> None:
    """jieba's dictionaries and the lexicon, loaded ahead of the first text (about 1 s)."""
    lexicon()
    _word_tags()


DEPARTMENT_TERRITORY = re.compile(r"^(?:中共)?([\u4e00-\u9fff]{2,12}?(?:地区|县|旗|市|州|盟|区))")


def department_territory(department: str, lex: Lexicon) -> set:
    """The territory a department's name starts with (和布克赛尔蒙古自治县公安局, 中共额敏县委):
    a department is named after its place, even one jieba does not know."""
    match = DEPARTMENT_TERRITORY.match(department or "")
    if not match:
        return set()
    place = match.group(1)
    if place in lex.generic or _numbered(place, lex) or place.startswith(
            ("全", "各", "本", "该", "市", "县", "区", "城", "新建", "自治")):
        return set()
    return {place}


def _tagged_territory(word: str, tag: str) -> bool:
    """jieba knows some county and city names under another tag (习水县 nr, 高密市 n): a noun
    ending in a territory suffix is one, unless it names a kind of city (地级市, 直辖市)."""
    return tag.startswith("n") and word.endswith(("县", "旗", "市", "州", "盟")) \
        and not word.endswith(("级市", "辖市", "级县"))


def _may_head_a_place(word: str, lex: Lexicon) -> bool:
    """Whether a word can be the name part before a bare place suffix (夏孜盖 + 乡)."""
    tag = _word_tags().get(word)
    if tag is not None and tag.startswith(NOT_A_HEAD_TAGS):
        return False
    if tag is None and (word.endswith(NOT_A_HEAD_ENDS) or word.startswith(NOT_A_HEAD_STARTS)):
        return False
    return _is_name(word, lex)


def _numbered(place: str, lex: Lexicon) -> bool:
    """四县, 两区: a count of places, not a place."""
    suffix = _suffix(place, lex)
    stem = place[:len(place) - len(suffix)] if suffix else place
    return bool(stem) and stem[-1] in NUMERALS


def level(territory: str) -> str:
    """'county' (县, 旗, 区 but not 地区), 'prefecture' (市, 州, 地区, 盟) or 'province'."""
    if territory.endswith(PREFECTURE_SUFFIXES):
        return "prefecture"
    return "county" if territory.endswith(COUNTY_SUFFIXES) else "province"


def _is_name(word: str, lex: Lexicon) -> bool:
    tag = _word_tags().get(word)
    if tag is not None and not tag.startswith("ns") and len(word) >= 3 \
            and not _tagged_territory(word, tag):
        return False
    return (len(word) >= 2 and not lex.reuse_cues.fullmatch(word) and word not in lex.generic and word not in lex.stopwords
            and all("\u4e00" <= ch <= "\u9fff" for ch in word)
            and not word.startswith(("全", "各", "本", "该", "每", "我", "市", "县", "乡", "镇",
                                     "区", "城", "新建", "建设", "所属", "周边", "沿线")))


def counts(text: str, lex: Lexicon) -> set:
    """Counted things of some size (≥ 10, or any decimal) with their unit: "186辆"."""
    found = set()
    for number, tail in NUMBER.findall(text):
        unit = next((u for u in lex.units if tail.startswith(u)), None)
        if unit is None or (("." not in number) and int(number) < 10):
            continue
        if len(number) == 4 and unit in ("年", "个") and number.startswith("20"):
            continue
        found.add(number + unit)
    return found


def mask(text: str, names: set) -> str:
    """The text without its place names and numbers: what it builds, not where or how many."""
    for name in sorted(names, key=lambda n: (-len(n), n)):
        text = text.replace(name, "")
    return re.sub(r"\d+(?:\.\d+)?", "", text)


def analyse(name: str, capabilities, description: str, department: str = "") -> TextFeatures:
    """The features of one project; a pure function of its texts (cached)."""
    return _analyse(name or "", tuple(capabilities or ()), description or "", department or "")


@lru_cache(maxsize=20000)
def _analyse(name: str, capabilities: tuple, description: str, department: str) -> TextFeatures:
    lex = lexicon()
    tags = "、".join(capabilities)
    spans = used_spans(description, lex)
    tokens = []
    for text, repeat, part_spans in ((name, 2, []), (tags, 1, []), (description, 1, spans)):
        built = [w for w, start in words(text, lex) if not _inside(start, part_spans)]
        tokens.extend(built * repeat)
    used = "。".join(description[a:b] for a, b in spans)
    territories, sites, home = set(), set(), set()
    for text in (department, name, description, tags):
        t, s = places(text, lex)
        territories |= t
        sites |= s
        if text in (department, name):
            home |= t
    from_department = department_territory(department, lex) - territories
    territories = _outermost(territories | from_department)
    home = _outermost(home | from_department)
    all_places = territories | sites
    stem = lex.phase.sub("", BRACKETS.sub("", name))
    return TextFeatures(
        tokens=tokens, used=used, reuses=bool(spans) and not lex.no_build.search(used),
        no_build=bool(lex.no_build.search(description)),
        phase=bool(lex.phase.search(name) or re.search(r"[一二三]期", description)),
        name_stem=stem, territories=frozenset(territories), home=frozenset(home),
        sites=frozenset(sites),
        counts=frozenset(counts(name + "。" + description, lex)),
        texts={"name": name, "description": name + "。" + description, "capabilities": tags},
        masked={"name": mask(name, all_places) or name,
                "description": mask(description, all_places),
                "capabilities": mask(tags, all_places)})
