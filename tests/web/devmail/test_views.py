"""The demo mailbox shows emails written by the file backend (development only)."""

from __future__ import annotations

from marketplace import create_app
from marketplace.config import Settings
from marketplace.extensions import db
from tests.conftest import SECRET, Client, text_of
from tests.factories import UserFactory


def test_development_mailbox_lists_and_shows_emails(database_url, session, tmp_path):
    app = create_app(
        Settings(
            env="development",
            secret_key=SECRET,
            database_url=database_url,
            instance_path=tmp_path,
            base_url="http://localhost",
        )
    )
    db.configure(app, session.get_bind(), join_transaction_mode="create_savepoint")
    UserFactory(email="mailbox@mail.example", locale="en")
    client = Client(app.test_client())
    client.post("/password/forgot", {"email": "mailbox@mail.example"})
    inbox = text_of(client.get("/dev/mail?to=mailbox@mail.example"))
    assert "Choose a new password" in inbox
    message_id = inbox.split('href="/dev/mail/')[1].split('"')[0]
    message = client.get(f"/dev/mail/{message_id}")
    assert "/password/reset/" in text_of(message)
    html = client.get(f"/dev/mail/{message_id}/html")
    assert html.headers["Content-Security-Policy"].startswith("sandbox")
    assert client.get("/dev/mail/does-not-exist").status_code == 404


def test_the_demo_mailbox_sends_the_daily_message_summaries_once(database_url, session, tmp_path):
    from marketplace.demo.loader import load_demo
    from models.base import swedish_today

    app = create_app(
        Settings(
            env="development",
            secret_key=SECRET,
            database_url=database_url,
            instance_path=tmp_path,
            base_url="http://localhost",
        )
    )
    db.configure(app, session.get_bind(), join_transaction_mode="create_savepoint")
    load_demo(session, production=False, today=swedish_today())
    client = Client(app.test_client())
    farmer = "kontakt@lovasens-gard.demo.example"
    for _ in range(2):  # a second press in the same day sends nothing more
        assert client.post("/dev/mail/run/messages").status_code == 303
    inbox = text_of(client.get(f"/dev/mail?to={farmer}"))
    assert inbox.count('href="/dev/mail/') - inbox.count('href="/dev/mail/run') == 1
    message_id = inbox.split('href="/dev/mail/')[1].split('"')[0]
    assert "Vi får mer mesa i vår." in text_of(client.get(f"/dev/mail/{message_id}"))
