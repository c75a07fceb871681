"""The web app's pages as HTTP sees them (the browser tests in tests/e2e/test_web.py drive them)."""

import json
import re

import pytest


@pytest.mark.parametrize(
    "path", ["/app/", "/app/series/store-01", "/app/group?region=North", "/app/group?total=1", "/app/decompose",
             "/app/churn", "/app/kri", "/app/monitoring"]
)  # fmt: skip
def test_every_page_is_html_with_its_scripts_and_no_inline_data(client, path):
    response = client.get(path)
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/html")
    assert response.headers["cache-control"] == "no-store"
    scripts = re.findall(r'<script src="([^"]+)"', response.text)
    assert "/app/static/app.js" in scripts
    for src in scripts:
        assert client.get(src).status_code == 200, src


def test_root_redirects_to_the_app(client):
    response = client.get("/", follow_redirects=False)
    assert response.status_code == 307 and response.headers["location"] == "/app/"


def test_a_page_knows_its_subject_from_the_url_only(client):
    page = client.get("/app/group?region=North&period=2027-Q1&target=5").text
    data = json.loads(re.search(r'<script id="page-data" type="application/json">(.*?)</script>', page, re.S)[1])
    assert data["subject"] == {"group": {"region": "North"}}
    assert client_page_data(client, "/app/group?total=1")["subject"] == {"total": True}
    assert client_page_data(client, "/app/series/store-02")["subject"] == {"series_id": "store-02"}


def test_markup_in_the_url_cannot_escape_the_page_data(client):
    evil = "</script><script>alert(1)</script>"
    page = client.get("/app/group", params={"region": evil}).text
    assert "<script>alert(1)" not in page
    assert client_page_data(client, f"/app/group?region={evil}")["subject"] == {"group": {"region": evil}}


def test_plotly_is_served_from_the_installed_package_compressed(client):
    plain = client.get("/app/vendor/plotly.min.js", headers={"Accept-Encoding": "identity"})
    assert plain.status_code == 200 and "content-encoding" not in plain.headers
    packed = client.get("/app/vendor/plotly.min.js", headers={"Accept-Encoding": "gzip"})
    assert packed.headers["content-encoding"] == "gzip"
    assert len(packed.content) == len(plain.content)  # httpx decodes: the same bytes arrive
    assert int(packed.headers["content-length"]) < len(plain.content) / 2


def client_page_data(client, path):
    page = client.get(path).text
    return json.loads(re.search(r'<script id="page-data" type="application/json">(.*?)</script>', page, re.S)[1])
