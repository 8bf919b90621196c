"""Demo risks consistent with the seeded projects: the system-raised risks their milestones,
reviews and protection levels call for (computed by the same rules as `flask risk refresh`),
some of them re-assessed and given an owner and mitigation, and a few risks departments
registered by hand. Bulk inserts with their audit events, as projects/demo.py does."""
import datetime as dt

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from core import clock
from core.audit import SYSTEM, utcnow
from core.extensions import db
from core.bulk import audit_inserts, bulk_insert
from projects.models import Project
from risk import scoring
from risk.models import Risk
from risk.system import WATCHED, causes_of

OWNERS = ["项目负责人", "分管副局长", "信息中心主任", "财务科科长", "承建单位项目经理"]
MITIGATIONS = {
    "schedule": "督促承建单位增加实施人员,每周报告进度,必要时申请调整基线。",
    "cost": "严格执行合同变更审批,超概算部分报财政部门审核。",
    "technical": "组织专家论证技术方案,关键模块先行试点。",
    "security": "委托具备资质的测评机构开展等级保护测评,整改后再上线。",
    "procurement": "按政府采购程序公开招标,避免拆分采购。",
    "compliance": "补齐审批手续和档案资料,接受审计监督。",
    "duplicate": "与已建平台对接共享,不再重复建设同类功能。",
}
MANUAL = [  # category, title, likelihood, impact
    ("technical", "与地区级政务云平台接口标准尚未统一", 3, 3),
    ("procurement", "核心设备进口受限,采购周期可能延长", 2, 4),
    ("compliance", "项目档案资料不完整,影响竣工验收", 3, 2),
    ("technical", "承建单位技术人员流动,系统维护存在断档风险", 2, 3),
    ("security", "系统与互联网边界防护不足", 3, 5),
    ("cost", "运维经费尚未列入年度预算", 4, 3),
]


def _row(next_id, project_id, category, title, likelihood, impact, today, rng, cause=None,
         description=None):
    reviewed = rng.random() < 0.92  # most risks have an owner and a plan
    return dict(id=next_id, project_id=project_id, category=category, title=title[:200],
                description=description, likelihood=likelihood, impact=impact,
                score=likelihood * impact,
                owner=rng.choice(OWNERS) if reviewed or not cause else None,
                mitigation=MITIGATIONS[category] if reviewed else None,
                status="mitigating" if reviewed and rng.random() < 0.6 else "open",
                next_review=today + dt.timedelta(days=rng.randint(-3, 30) if reviewed else rng.randint(-10, 40)), cause=cause,
                raised_by=SYSTEM if cause else "pm", raised_at=utcnow())


def seed_risks(project_rows, rng, today: dt.date | None = None) -> int:
    """Risks for the seeded projects that are approved or later. Returns the number added."""
    today = today or clock.today()
    next_id = (db.session.scalar(select(func.max(Risk.id))) or 0) + 1
    specs = scoring.load_rules()["system_risks"]
    ids = [r["id"] for r in project_rows if r["status"] in WATCHED]
    rows = []
    existing = set(db.session.execute(select(Risk.project_id, Risk.cause).where(
        Risk.cause.is_not(None), Risk.status != "closed", Risk.project_id.in_(ids))).all()) \
        if ids else set()
    for start in range(0, len(ids), 500):
        projects = db.session.scalars(select(Project).where(Project.id.in_(ids[start:start + 500]))
                                      .options(selectinload(Project.milestones),
                                               selectinload(Project.reviews),
                                               selectinload(Project.reuses)))
        for project in projects:
            for key, cause in causes_of(project, today).items():
                if (project.id, key) in existing:
                    continue  # one open system risk per project and cause
                spec = specs[key]
                likelihood = min(5, max(1, spec["likelihood"] + rng.choice([-1, 0, 0, 0, 1])))
                rows.append(_row(next_id + len(rows), project.id, spec["category"], cause.title,
                                 likelihood, cause.impact or spec["impact"], today, rng, key,
                                 cause.description))
            if rng.random() < 0.25:
                category, title, likelihood, impact = rng.choice(MANUAL)
                rows.append(_row(next_id + len(rows), project.id, category, title, likelihood,
                                 impact, today, rng))
    bulk_insert(Risk, rows)
    audit_inserts("risk", rows)
    db.session.expire_all()
    return len(rows)
