"""The review desk, the PM's banner, the dossier and the disclosure flag in Debian's chromium:
a ProjectManager drafts a reworded copy of an existing platform and presses 查重; the Office
is refused without a settlement (what it typed stays), settles the family of matches, sees it
carried to the next stage and records a reuse link at the last; a returned proposal shows its
banner; the Auditor reads the dossier; the Office withholds a project from disclosure.
Screenshots go to test-artifacts/."""
import re

from conftest import fund_fully
from e2e.test_browser import CHROMIUM, Session, browser, live_server, pytestmark  # noqa: F401

SMS = dict(code="TC-2013-101", name="全市政务短信服务平台", department="市政府办公室",
           plan_task="T1", category="application", capabilities=["短信平台", "信息群发"],
           description="建设全市统一的政务短信平台,对接移动、联通、电信短信网关,为各部门提供会议通知和预警信息群发。")
SMS_PHASE_2 = dict(SMS, code="TC-2013-104", name="全市政务短信服务平台二期",
                   description="扩展全市统一的政务短信平台,对接移动、联通、电信短信网关,"
                               "为各部门提供会议通知和预警信息群发。")


def _pk(page):
    return int(re.search(r"/projects/show/(\d+)", page.url).group(1))


def _draft_a_reworded_copy(pm):
    page = pm.go("/projects/add")
    page.fill("#code", "TC-2015-SMS")
    page.fill("#name", "治安预警手机短信群发平台")
    page.select_option("#department", label="市公安局", force=True)
    page.select_option("#primary_task", value=page.eval_on_selector(
        "#primary_task", "s => [...s.options].find(o => o.text.startsWith('T1 ')).value"),
        force=True)
    page.select_option("#category", value="application", force=True)
    page.fill("#description", "公安局自建政务短信平台,对接移动、联通、电信短信网关,"
                              "向群众群发治安预警信息和会议通知。")
    page.fill("#capabilities", "短信平台、信息群发")
    page.fill("#budget_total", "900000.00")
    for field, day in (("#start_date", "2015-03-01"), ("#end_date", "2015-12-31")):
        page.eval_on_selector(field, "(e, v) => { e.value = v; }", day)
    page.click("#duplicate-check-button")
    page.wait_for_selector("#duplicate-check-result .alert")
    pm.shot("desk-1-pm-duplicate-check-button")
    found = page.inner_text("#duplicate-check-result")
    assert "TC-2013-101" in found, found
    page.click("form#model_form button[type=submit], form button[type=submit]:not(#duplicate-check-button)")
    page.wait_for_load_state()
    assert "/projects/show/" in page.url, "the project was not created"
    return page


def test_review_desk_across_three_stages(live_server, browser, app, make_project):
    make_project(status="in_operation", **SMS)
    make_project(status="in_operation", **SMS_PHASE_2)
    pm = Session(browser, live_server, "pm").login()
    page = _draft_a_reworded_copy(pm)
    pk = _pk(page)
    fund_fully(app, pk)
    page.reload()
    pm.transition("submitted")

    office = Session(browser, live_server, "office").login()
    page = office.go(f"/projects/show/{pk}")
    office.transition("in_review")
    assert page.get_attribute("#review-stage", "data-stage") == "proposal"
    families = page.locator("#decision-form .settlement")
    assert families.count() >= 1
    first = families.nth(0).inner_text()
    assert "TC-2013-101" in first and "TC-2013-104" in first  # one entry for the two phases
    page.fill("#decision-form textarea[name=comment]", "建议书符合规划,同意。")
    page.fill("#decision-form textarea[name=conditions]", "须说明与市短信平台的关系。")
    page.click('button[data-decision="approve"]')
    page.wait_for_load_state()
    office.shot("desk-2-office-refused-keeps-input")
    assert page.is_visible("#decision-refusal")
    assert page.input_value("#decision-form textarea[name=comment]") == "建议书符合规划,同意。"
    assert page.input_value("#decision-form textarea[name=conditions]") == "须说明与市短信平台的关系。"
    assert page.locator("#decision-form .settlement.has-error").count() == families.count()
    for n in range(families.count()):
        family = page.locator("#decision-form .settlement").nth(n)
        family.locator("input[value=not_duplicate]").check()
        family.locator("textarea").fill("公安治安预警需专用通道,与政务短信平台分工不同。")
    page.click('button[data-decision="approve"]')
    page.wait_for_load_state()
    assert page.get_attribute("#review-stage", "data-stage") == "feasibility"
    assert page.locator("#decision-form .help-block.carried").count() == families.count()
    office.shot("desk-3-office-carried-to-feasibility")
    page.fill("#decision-form textarea[name=comment]", "可研通过。")
    page.click('button[data-decision="approve"]')
    page.wait_for_load_state()
    assert page.get_attribute("#review-stage", "data-stage") == "design"
    page.locator("#decision-form .settlement").nth(0).locator("input[value=reuse]").check()
    page.fill("#decision-form textarea[name=comment]", "依托市政务短信平台建设,同意。")
    office.shot("desk-4-office-design-with-reuse")
    page.click('button[data-decision="approve"]')
    page.wait_for_load_state()
    assert page.get_attribute("#project-status", "data-status") == "approved", \
        page.inner_text("#decision-panel") if page.query_selector("#decision-panel") else ""
    assert "TC-2013-101" in page.inner_text("body")  # the reuse link is on the record
    office.shot("desk-5-office-approved")

    auditor = Session(browser, live_server, "auditor").login()
    page = auditor.go(f"/projects/show/{pk}")
    page.click("#dossier-link")
    page.wait_for_load_state()
    text = page.inner_text("#dossier")
    auditor.shot("desk-6-auditor-dossier")
    for words in ("审核", "项目建议书", "可行性研究", "已批准", "依托市政务短信平台建设"):
        assert words in text, words
    assert "None" not in text and "insert" not in text
    page.click("#dossier-print")
    page.wait_for_load_state()
    auditor.shot("desk-7-auditor-dossier-print")

    page = office.go(f"/projects/show/{pk}")
    page.fill("#withhold-form input[name=withheld_reason]", "涉及公安专网,不予公开。")
    page.click("#withhold-form button[type=submit]")
    page.wait_for_load_state()
    assert page.get_attribute("#disclosure-flag", "data-withheld") == "1"
    public = browser.new_page(locale="zh-CN")
    public.goto(live_server + "/disclosure/")
    assert "治安预警手机短信群发平台" not in public.inner_text("body")
    assert "全市政务短信服务平台" in public.inner_text("body")
    public.screenshot(path=str(office_artifact("desk-8-public-disclosure")), full_page=True)
    public.close()


def test_returned_proposal_banner(live_server, browser, make_project):
    pk = make_project(status="in_review", code="TC-2015-RET", name="出入境证件自助办理系统",
                      plan_task="T2", funded=True)
    office = Session(browser, live_server, "office").login()
    page = office.go(f"/projects/show/{pk}")
    page.fill("#decision-form textarea[name=comment]",
              "1. 请补充与市政务服务平台的对接方案;\n2. 请细化设备清单。")
    page.click('button[data-decision="return"]')
    page.wait_for_load_state()
    assert page.get_attribute("#project-status", "data-status") == "returned"
    pm = Session(browser, live_server, "pm").login()
    page = pm.go(f"/projects/show/{pk}")
    banner = page.inner_text("#returned-banner")
    pm.shot("desk-9-pm-returned-banner")
    assert "请细化设备清单" in banner and "修改并重新提交" in banner
    page.click("#revise-and-resubmit")
    page.wait_for_load_state()
    assert f"/projects/edit/{pk}" in page.url


def office_artifact(name):
    from e2e.test_browser import ARTIFACTS
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS / f"{name}.png"
