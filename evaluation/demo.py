"""Demo data of the evaluation cycle, after the demo projects: the Office's yearly assessments of
the departments with projects, training courses, public ratings (some comments published with a
reply, some waiting for moderation), post-evaluations of evaluated and closed projects, and the
leadership group's decisions on approved major projects (so the demo keeps the gates' rules)."""
import datetime as dt
from decimal import Decimal

from sqlalchemy import select

from core import clock
from core.audit import acting_as
from core.extensions import db
from evaluation.enums import PENDING, PUBLISHED, RATEABLE_STATUSES
from evaluation.models import DepartmentAssessment, PostEvaluation, PublicEvaluation, TrainingRecord
from evaluation.public import address_hash
from projects import enums as s

COMMENTS = [
    ("网上办事方便多了,材料一次提交就行。", "感谢支持,我们将继续精简材料。"),
    ("系统有时打开比较慢,希望优化。", "已安排扩容,预计下月完成。"),
    ("查询结果很及时,点赞。", None),
    ("手机上还不能办理,希望尽快开通。", "移动端已列入二期建设。"),
    ("界面清楚,老年人也会用。", None),
]
SUBJECTS = ["电子政务应用培训", "信息安全与等级保护培训", "政务公开与网站管理培训",
            "公务员信息化能力考核"]
BENEFITS = "业务办理时限平均缩短三成,群众少跑腿,部门间数据共享减少重复录入。"


def seed_evaluation(project_rows, rng) -> None:
    """Everything of the cycle for the seeded projects (idempotent per department and year)."""
    from projects.leadership.models import LeadershipDecision
    from projects.leadership.services import threshold
    today = clock.today()
    with acting_as("demo"):
        departments = sorted({r["department_id"] for r in project_rows})
        years = range(2011, min(today.year, 2015) + 1)
        known = set(db.session.execute(select(DepartmentAssessment.department_id,
                                              DepartmentAssessment.year)).all())
        for dep in departments:
            base = rng.randint(55, 80)
            for n, year in enumerate(years):
                score = min(98, base + 3 * n + rng.randint(-4, 4))
                if (dep, year) not in known:
                    db.session.add(DepartmentAssessment(
                        department_id=dep, year=year, information_disclosure=score,
                        online_services=max(0, score - rng.randint(0, 10)),
                        public_participation=max(0, score - rng.randint(5, 15)),
                        website_construction=min(100, score + rng.randint(-3, 6)),
                        evidence_note=f"{year} 年度电子政务绩效考核表", assessed_by="office",
                        assessed_at=dt.datetime(year, 12, 20)))
                if rng.random() < 0.6:
                    attendees = rng.randint(8, 40)
                    db.session.add(TrainingRecord(
                        department_id=dep, held_on=dt.date(year, rng.randint(3, 11), 15),
                        subject=rng.choice(SUBJECTS), hours=Decimal(rng.choice([8, 16, 24])),
                        attendees=attendees, passed=attendees - rng.randint(0, 4) if
                        attendees > 4 else attendees, recorded_by="office"))
        for row in project_rows:
            if row["status"] in RATEABLE_STATUSES and rng.random() < 0.5:
                _ratings(row, rng, today)
            if row["status"] in (s.EVALUATED, s.CLOSED):
                budget = row["budget_total"]
                db.session.add(PostEvaluation(
                    project_id=row["id"], evaluated_on=min(today, row["end_date"] +
                                                           dt.timedelta(days=200)),
                    evaluator="塔城市信息化办公室评估组",
                    objectives_met=rng.choice(["fully", "mostly", "mostly", "partly"]),
                    usage_indicator="月均业务办理量", usage_target=Decimal(2000),
                    usage_actual=Decimal(rng.randint(1200, 2600)),
                    final_cost=(budget * Decimal(rng.randint(88, 104)) / 100).quantize(
                        Decimal("0.01")),
                    benefits=BENEFITS, problems="部分乡镇网络带宽不足。",
                    lessons="建设前先梳理共享需求,避免重复采集数据。", recorded_by="office"))
            if row["status"] in s.APPROVED_OR_LATER and row["budget_total"] >= threshold():
                db.session.add(LeadershipDecision(
                    project_id=row["id"], meeting_date=row["start_date"] - dt.timedelta(days=75),
                    minute_number=f"塔政信领〔{row['start_date'].year}〕{rng.randint(1, 12)}号",
                    decision="approve", summary="同意建设,统筹利用全市电子政务网络与数据资源。",
                    recorded_by="office"))
        db.session.flush()


def _ratings(row, rng, today):
    for n in range(rng.randint(1, 4)):
        comment, reply = rng.choice(COMMENTS) if rng.random() < 0.5 else (None, None)
        day = min(today, row["end_date"] + dt.timedelta(days=rng.randint(30, 400)))
        at = dt.datetime(day.year, day.month, day.day, rng.randint(8, 21), rng.randint(0, 59))
        waiting = comment is not None and rng.random() < 0.3
        db.session.add(PublicEvaluation(
            project_id=row["id"], rating=rng.choice([3, 4, 4, 5, 5, 2]), comment=comment,
            status=PENDING if waiting else PUBLISHED, address_hash=address_hash(
                f"demo-{row['id']}-{n}"), submitted_at=at,
            moderated_by=None if waiting or comment is None else "office",
            moderated_at=None if waiting or comment is None else at + dt.timedelta(days=1),
            reply=None if waiting else reply, replied_by=None if waiting or not reply else "pm"))
