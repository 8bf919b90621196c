"""Pages bounded by the page, not the portfolio (issue 15): the same number of SQL statements at
two portfolio sizes, true totals in the badges, filters and search on the paged lists. A smoke
test on small demo portfolios (the numbers at 20,000 projects come from bench/pages.py)."""
import re

import pytest
from sqlalchemy import event

PAGES = ["/reviews/queue", "/duplicates/", "/schedule/overdue", "/schedule/variance",
         "/risk/escalation", "/reports/compliance/", "/reports/scorecard/", "/projects/list/"]


def recorded_statements(app, client, url):
    """(SQL statements run, page text) of one load of `url`."""
    from core.extensions import db
    seen = []

    def before(_conn, _cursor, statement, *_args):
        seen.append(statement)

    with app.app_context():
        event.listen(db.engine, "before_cursor_execute", before)
        try:
            response = client.get(url)
        finally:
            event.remove(db.engine, "before_cursor_execute", before)
    assert response.status_code == 200, url
    return seen, response.get_data(as_text=True)


def _statements(app, client, url):
    client.get(url)  # warm: a summary is computed once per portfolio version
    seen, page = recorded_statements(app, client, url)
    return len(seen), page


def _seed(app, count, prefix):
    from core.audit import acting_as
    from core.extensions import db
    from projects.demo import seed_projects
    with app.app_context(), acting_as("demo"):
        seed_projects(count, seed=7, prefix=prefix)
        db.session.commit()


def test_statements_per_page_do_not_grow_with_the_portfolio(app, web):
    _seed(app, 240, "DEMO")  # a row in every list, leadership's too (an empty list loads less)
    office = web.as_user("office")
    small = {url: _statements(app, office, url)[0] for url in PAGES}
    _seed(app, 240, "MORE")
    large = {url: _statements(app, office, url)[0] for url in PAGES}
    assert large == small


def test_badges_show_true_totals_and_pages(app, web):
    _seed(app, 300, "DEMO")
    office = web.as_user("office")
    _count, page = _statements(app, office, "/schedule/overdue?size=5")
    total = int(re.search(r'id="overdue-milestone-count">(\d+)<', page).group(1))
    assert total > 5 and page.count('href="/milestones/show/') == 5
    assert f'data-total="{total}"' in page and 'class="pagination' in page
    _count, page = _statements(app, office, "/reviews/queue?size=3")
    total = int(re.search(r'id="queue-total" data-total="(\d+)"', page).group(1))
    assert total > 3 and page.count('class="queue-row"') == 3


def _codes(page, table_id):
    """The project codes of the rows of one table of the page (the linked project of each row,
    not the codes of possible duplicates listed beside it)."""
    start = page.index(f'id="{table_id}"')
    return re.findall(r"<a [^>]*>(DEMO-\d{4}-\d{5})(?:<| )",
                      page[start:page.index("</table>", start)])


@pytest.mark.parametrize("url,table", [("/reviews/queue", "review-queue"),
                                       ("/schedule/overdue", "overdue-milestones")])
def test_search_by_code_narrows_the_list(app, web, url, table):
    _seed(app, 200, "DEMO")
    office = web.as_user("office")
    _count, page = _statements(app, office, url)
    code = _codes(page, table)[0]
    _count, found = _statements(app, office, f"{url}?q={code}")
    assert set(_codes(found, table)) == {code}
