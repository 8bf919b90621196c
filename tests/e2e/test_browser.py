"""The whole story in Debian's chromium: each role logs in; a ProjectManager registers and
submits a proposal; the Office reviews and approves it; the Auditor finds both events in the
audit trail. Screenshots go to test-artifacts/ for people to look at."""
import os
import shutil
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from conftest import PASSWORD

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
pytestmark = pytest.mark.skipif(CHROMIUM is None,
                                reason="Debian's chromium is not installed (make install adds it)")


@pytest.fixture(scope="module")
def live_server(app):
    """The app served on a free loopback port, with CSRF on as in production."""
    from app import create_app
    served = create_app({"PLANGUARD_ENV": "testing", "WTF_CSRF_ENABLED": True,
                         "UPLOAD_DIR": app.config["UPLOAD_DIR"]})
    server = make_server("127.0.0.1", 0, served, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--no-first-run"])
        yield browser
        browser.close()


class Session:
    def __init__(self, browser, base, username):
        self.page = browser.new_page(viewport={"width": 1366, "height": 900}, locale="zh-CN")
        self.base, self.username = base, username
        ARTIFACTS.mkdir(exist_ok=True)

    def login(self):
        self.page.goto(self.base + "/login/")
        self.page.fill("#username", self.username)
        self.page.fill("#password", PASSWORD)
        self.page.click("input[type=submit], button[type=submit]")
        self.page.wait_for_load_state()
        assert "/login" not in self.page.url, f"{self.username} could not log in"
        return self

    def go(self, path):
        self.page.goto(self.base + path)
        return self.page

    def shot(self, name):
        self.page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)

    def transition(self, label_target):
        self.page.click(f'button[data-to="{label_target}"]')
        self.page.wait_for_load_state()
        status = self.page.get_attribute("#project-status", "data-status")
        assert status == label_target, self.page.inner_text(".alert") if self.page.query_selector(
            ".alert") else status


def test_proposal_to_approval_seen_in_the_audit_trail(live_server, browser):
    for username in ("admin", "auditor"):
        session = Session(browser, live_server, username).login()
        assert "PlanGuard" in session.go("/").title()
        session.shot(f"home-{username}")

    pm = Session(browser, live_server, "pm").login()
    page = pm.go("/projects/add")
    page.fill("#code", "TC-2015-E2E")
    page.fill("#name", "城区治安卡口视频监控扩容工程")
    page.select_option("#department", label="市公安局", force=True)
    page.select_option("#primary_task", value=page.eval_on_selector(
        "#primary_task", "s => [...s.options].find(o => o.text.startsWith('T3 ')).value"),
        force=True)
    page.select_option("#category", value="emergency", force=True)
    page.fill("#description", "在城区出入口新建高清卡口和治安监控点位,接入公安视频专网。")
    page.fill("#capabilities", "视频监控、卡口识别")
    page.fill("#budget_total", "1800000.00")
    for field, day in (("#start_date", "2015-03-01"), ("#end_date", "2015-12-31")):
        page.eval_on_selector(field, "(e, v) => { e.value = v; }", day)  # past the datepicker
    pm.shot("pm-add-form")
    page.click("button[type=submit]")
    page.wait_for_load_state()
    pm.shot("pm-after-add")
    assert "/projects/show/" in page.url, "the project was not created"
    assert "TC-2015-E2E" in page.inner_text("body")
    href = page.url.replace(live_server, "")
    page.select_option("#add-line select[name=source]", label="市本级财政")
    page.fill("#add-line input[name=amount]", "1800000.00")  # the plan equals the budget
    page.click("#add-line button[type=submit]")
    page.wait_for_load_state()
    assert page.query_selector("#plan-mismatch") is None
    pm.transition("submitted")
    pm.shot("pm-submitted")

    office = Session(browser, live_server, "office").login()
    page = office.go("/reviews/queue")
    assert "TC-2015-E2E" in page.inner_text("#review-queue")
    office.shot("office-review-queue")
    office.go(href)
    office.transition("in_review")
    for stage in ("proposal", "feasibility", "design"):  # 建议书, 可研, 初步设计与概算
        assert page.get_attribute("#review-stage", "data-stage") == stage
        page.fill("#decision-form textarea[name=comment]", f"{stage} 符合规划,同意。")
        if stage == "design":
            office.shot("office-decision-form")
        page.click('button[data-decision="approve"]')
        page.wait_for_load_state()
    assert page.get_attribute("#project-status", "data-status") == "approved"
    assert page.locator("#reviews tr").count() == 4  # header + one row per stage
    office.shot("office-approved")

    auditor = Session(browser, live_server, "auditor").login()
    page = auditor.go("/audit/list/?_flt_0_field=status")
    text = page.inner_text("body")
    auditor.shot("auditor-audit-trail")
    assert "submitted" in text and "approved" in text and "in_review" in text
    assert "pm" in text and "office" in text
