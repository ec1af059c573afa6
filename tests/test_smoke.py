import pytest

from .conftest import login


@pytest.mark.django_db
def test_healthz(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}


def test_tree_and_member_pages_render(client_for, tree, people):
    client = client_for("ancestor_staff")
    assert client.get("/units/").status_code == 200
    response = client.get(f"/units/{tree['son_duong'].pk}/")
    assert response.status_code == 200
    assert response.context["total"] == 3
    response = client.get("/members/?q=chau van lam")
    assert [m.full_name for m in response.context["page"]] == ["Chẩu Văn Lâm"]
