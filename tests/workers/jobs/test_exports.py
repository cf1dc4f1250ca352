"""Staff jobs through a real RQ worker on Redis: a background export written with its progress,
and the follow-up reminders emailed to an SMTP server once."""

from __future__ import annotations

import csv
import io
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from rq import Queue
from rq.serializers import JSONSerializer

from marketplace.services.staff.exports import start_job
from marketplace.services.staff.facilitation import add_note
from marketplace.services.staff.stats import StatsFilter
from models import ExportJob, FirmNote
from tests.factories import ListingFactory, SiteFactory, UserFactory
from tests.workers.conftest import factories_on
from workers.jobs.exports import run_export
from workers.jobs.maintenance import send_follow_ups
from workers.queues import MAIL, MAINTENANCE


def test_background_export_and_follow_up_reminders(workers, sessions, redis, sink):
    today = datetime.now(ZoneInfo("Europe/Stockholm")).date()  # the statistics' days
    with sessions() as session, factories_on(session):
        staff = UserFactory(
            organisation=None, org_role=None, is_staff=True, email="s@region.example",
            locale="sv",
        )  # fmt: skip
        owner = UserFactory()
        site = SiteFactory(organisation=owner.organisation)
        for n in range(30):
            ListingFactory(site=site, title=f"Spån {n}")
        f = StatsFilter(start=today - timedelta(days=900), end=today)
        job_id = start_job(session, user_id=staff.id, table="listings", fmt="csv", f=f).id
        add_note(
            session, actor=staff, organisation_id=owner.organisation_id, body="Ring dem.",
            follow_up_on=today, today=today,
        )  # fmt: skip
        session.commit()
    Queue(MAINTENANCE, connection=redis, serializer=JSONSerializer).enqueue(run_export, job_id)
    mail = Queue(MAIL, connection=redis, serializer=JSONSerializer)
    mail.enqueue(send_follow_ups)
    mail.enqueue(send_follow_ups)  # a second run (a doubled scheduler tick) sends nothing more
    workers.burst(MAINTENANCE, MAIL)
    with sessions() as session:
        job = session.get(ExportJob, job_id)
        assert job is not None and (job.status, job.progress, job.rows) == ("done", 100, 30)
        path = Path(workers.env["INSTANCE_PATH"]) / "exports" / str(job.filename)
        # For Swedish Excel (the staff member's language): BOM, `;`, labels for the headers.
        text = path.read_text(encoding="utf-8")
        assert text.startswith("\ufeff")
        rows = list(csv.DictReader(io.StringIO(text.removeprefix("\ufeff")), delimiter=";"))
        assert sorted(r["Rubrik"] for r in rows) == sorted(f"Spån {n}" for n in range(30))
        note = session.query(FirmNote).one()
        assert note.reminded_at is not None
    messages = sink.messages()
    assert [m["To"] for m in messages] == ["s@region.example"]
    assert "Ring dem." in messages[0].get_body(("plain",)).get_content()
