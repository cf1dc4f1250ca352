"""Export jobs: large staff exports written in the background, with progress."""

from __future__ import annotations

from marketplace.services.staff import exports
from models.exports import ExportJob
from workers.context import current


def run_export(job_id: int) -> str | None:
    """Write export job `job_id` part by part, committing the progress after each; returns the
    file name (None when the job is gone). A failure is recorded on the job, then re-raised."""
    ctx = current()
    directory = exports.export_directory(ctx.settings.instance_path)
    with ctx.sessions() as session:
        job = session.get(ExportJob, job_id)
        if job is None or job.status == "done":
            return job.filename if job is not None else None
        parts = exports.start(job)
        session.commit()
        rows: exports.Rows = []
        try:
            for n, part in enumerate(parts, start=1):
                # Just committed: this transaction has written nothing other connections
                # cannot see, so a table of several statements may read on connections of its own.
                rows += exports.read_part(session, job, part, n, len(parts), parallel=True)
                session.commit()
            exports.finish(session, job, rows, directory)
        except Exception as exc:
            session.rollback()
            exports.fail(session, job_id, exc)
            session.commit()
            raise
        session.commit()
        return job.filename
