"""Helpers for the evaluation tests (issue 14): records built through the services."""
from core.audit import acting_as
from core.extensions import db

POST_EVALUATION = {"evaluated_on": "2014-06-30", "evaluator": "塔城市信息化办公室评估组",
                   "objectives_met": "mostly", "usage_indicator": "月均网上办件量",
                   "usage_target": "5000", "usage_actual": "4200", "final_cost": "2380000.00",
                   "benefits": "群众办事平均少跑两次,审批时限缩短三成。",
                   "problems": "部分乡镇网络带宽不足。", "lessons": "建设前应先梳理数据共享需求。"}


def record_post_evaluation(app, project_id, **overrides):
    from evaluation.services import record_post_evaluation as record
    with app.app_context(), acting_as("fixture"):
        item = record(dict(POST_EVALUATION, project=project_id, **overrides))
        db.session.commit()
        return item.id


def add_item(app, project_id, name, shared=True, direction="produces"):
    from projects.guard.models import DataItem
    from projects.models import Project
    with app.app_context(), acting_as("fixture"):
        project = db.session.get(Project, project_id)
        item = DataItem(project_id=project_id, name=name, direction=direction, shared=shared,
                        owner_department_id=project.department_id)
        db.session.add(item)
        db.session.commit()
        return item.id
