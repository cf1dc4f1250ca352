"""The scheduler's entries and the scheduler process, with real Redis and an RQ worker."""

from __future__ import annotations

import subprocess
import sys

from tests.conftest import ROOT
from tests.support.waits import wait_for
from workers.queues import MAINTENANCE


def test_scheduler_entries_use_json_jobs(redis):
    from rq import Queue
    from rq.serializers import JSONSerializer

    from workers.schedule import build_scheduler

    scheduler = build_scheduler(redis)
    names = sorted(job.name for job in scheduler.get_jobs())
    assert names == [
        "expire",
        "purge_expired",
        "rebuild_market",
        "refresh_potentials",
        "send_digests-daily",
        "send_digests-weekly",
        "send_follow_ups",
        "send_message_summaries",
        "sweep",
    ]
    sweep_job = next(job for job in scheduler.get_jobs() if job.name == "sweep")
    sweep_job.enqueue(redis)
    (job,) = Queue(MAINTENANCE, connection=redis, serializer=JSONSerializer).get_jobs()
    assert job.func_name == "workers.jobs.maintenance.sweep"


def test_the_scheduler_process_enqueues_json_jobs_a_worker_runs(workers, redis):
    from rq import Queue
    from rq.registry import FailedJobRegistry
    from rq.serializers import JSONSerializer

    maintenance = Queue(MAINTENANCE, connection=redis, serializer=JSONSerializer)
    scheduler = subprocess.Popen(
        [sys.executable, "-m", "workers", "scheduler"], env=workers.env, cwd=ROOT
    )
    try:
        wait_for(
            lambda: maintenance.count >= 1, 30, 0.1
        )  # the sweep runs at start, then every minute
    finally:
        scheduler.terminate()
        scheduler.wait(20)
    workers.burst(MAINTENANCE)
    assert maintenance.count == 0
    assert FailedJobRegistry(queue=maintenance).count == 0
