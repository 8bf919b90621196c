"""公众评价 in Debian's chromium: a visitor rates a project in operation from the disclosure page
and leaves a comment; the Office publishes it from the moderation queue; the department
replies; the public page shows the moderated comment with the reply. The Office's scorecard
with its trend chart closes the story. Screenshots go to test-artifacts/."""
import datetime as dt

import pytest

from conftest import PASSWORD  # noqa: F401  (the login password of the fixtures' users)
from core.audit import acting_as
from core.extensions import db
from e2e.test_browser import ARTIFACTS, CHROMIUM, Session, browser, live_server  # noqa: F401

pytestmark = pytest.mark.skipif(CHROMIUM is None,
                                reason="Debian's chromium is not installed (make install adds it)")


def _seed_cycle(app):
    """Assessments and training for two departments over three years, as the Office keeps them."""
    from evaluation.services import record_assessment
    from evaluation.training import record_training
    with app.app_context(), acting_as("office"):
        for year, police, water in ((2012, 62, 70), (2013, 74, 72), (2014, 88, 69)):
            for department, score in (("市公安局", police), ("市水利局", water)):
                record_assessment({"department": department, "year": year,
                                   "information_disclosure": score, "online_services": score - 5,
                                   "public_participation": score - 10,
                                   "website_construction": score + 4,
                                   "evidence_note": f"{year} 年度电子政务绩效考核表"})
                record_training({"department": department, "held_on": dt.date(year, 6, 1),
                                 "subject": "电子政务应用与信息安全培训", "hours": "16",
                                 "attendees": 18 if department == "市公安局" else 9,
                                 "passed": 17 if department == "市公安局" else 6})
        db.session.commit()


def test_public_rating_moderation_reply_and_scorecard(app, make_project, live_server, browser):
    make_project(status="in_operation", code="TC-2013-088", name="塔城市网上办事大厅")
    _seed_cycle(app)

    visitor = Session(browser, live_server, "visitor")
    page = visitor.go("/disclosure/")
    page.click('a.rate-link[href$="/TC-2013-088"]')
    page.wait_for_load_state()
    assert "塔城市网上办事大厅" in page.inner_text("h2")
    assert not page.is_visible("#website")  # the honeypot stays out of sight
    page.check('#rate-form input[name=rating][value="4"]')
    page.fill("#comment", "网上办事大厅很方便,营业执照不用跑腿了。希望手机上也能办。")
    page.fill("#nickname", "个体工商户王女士")
    visitor.shot("public-rate-form")
    page.click("#rate-submit")
    page.wait_for_load_state()
    assert page.inner_text("#rating-count") == "1"
    assert "营业执照不用跑腿" not in page.inner_text("#public-comments")  # waits for moderation
    visitor.shot("public-after-rating")

    office = Session(browser, live_server, "office").login()
    page = office.go("/publicevaluations/moderation/")
    assert "营业执照不用跑腿" in page.inner_text("#moderation-queue")
    office.shot("office-moderation-queue")
    page.click('#moderation-queue button[data-decision="publish"]')
    page.wait_for_load_state()
    assert "营业执照不用跑腿" not in page.inner_text("#moderation-queue")

    pm = Session(browser, live_server, "pm").login()
    page = pm.go("/publicevaluations/list/")
    page.click("table a[href*='/publicevaluations/show/']")
    page.wait_for_load_state()
    page.fill("#reply-panel textarea[name=reply]", "感谢您的评价,手机端办理将于今年上线。")
    page.click("#reply-panel button[type=submit]")
    page.wait_for_load_state()

    page = visitor.go("/disclosure/evaluate/TC-2013-088")
    comments = page.inner_text("#public-comments")
    assert "营业执照不用跑腿" in comments and "个体工商户王女士" in comments
    assert "手机端办理将于今年上线" in page.inner_text(".public-reply")
    visitor.shot("public-page-moderated-comment")

    page = office.go("/evaluation/scorecard/?year=2014")
    assert page.locator(".scorecard-card").count() >= 2
    page.wait_for_function("document.getElementById('trend-chart').naturalWidth > 0")
    office.shot("office-performance-scorecard")
    png = page.request.get(live_server + "/evaluation/scorecard/trend.png")
    assert png.ok and png.body().startswith(b"\x89PNG")
    (ARTIFACTS / "performance-trend.png").write_bytes(png.body())
