"""Export jobs: large staff exports written in the background, with progress."""

from __future__ import annotations

from marketplace.services.staff.exports import export_directory, run_job
from workers.context import current


def run_export(job_id: int) -> str | None:
    """Write export job `job_id`; returns the file name (None when the job is gone)."""
    ctx = current()
    with ctx.sessions() as session:
        job = run_job(
            session,
            job_id,
            export_directory(ctx.settings.instance_path),
            commit=session.commit,
        )
        return job.filename if job is not None else None
