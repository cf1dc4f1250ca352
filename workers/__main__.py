"""`python -m workers worker|scheduler|sweep|digests|summaries` — the background processes.

Configuration comes from the same environment variables as the web app (README
"Configuration"); `REDIS_URL` is required for `worker` and `scheduler`.
"""

from __future__ import annotations

import argparse
import logging
import sys

from marketplace.config import Settings, SettingsError
from workers.queues import QUEUE_NAMES


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m workers", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    worker = commands.add_parser("worker", help="process jobs from the queues")
    worker.add_argument("--burst", action="store_true", help="stop when the queues are empty")
    worker.add_argument("--queues", default=",".join(QUEUE_NAMES))
    commands.add_parser("scheduler", help="enqueue the periodic jobs (RQ cron)")
    sweep = commands.add_parser("sweep", help="re-enqueue work the database says is owed, once")
    sweep.add_argument("--grace", type=int, default=120, help="seconds to leave fresh work alone")
    digests = commands.add_parser("digests", help="build this period's digests now")
    digests.add_argument("cadence", choices=("daily", "weekly"))
    commands.add_parser("summaries", help="build the day's message summaries now (from 07:00)")
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    try:
        settings = Settings.from_env()
    except SettingsError as error:
        print(f"configuration error: {error}", file=sys.stderr)
        return 2
    if args.command in ("worker", "scheduler") and not settings.redis_url:
        print("REDIS_URL must be set for the worker and the scheduler", file=sys.stderr)
        return 2
    if args.command == "worker":
        return _work(settings, args.queues.split(","), burst=args.burst)
    if args.command == "scheduler":
        return _schedule(settings)
    if args.command == "sweep":
        from workers.jobs.maintenance import sweep as run_sweep

        print(run_sweep(args.grace))
        return 0
    if args.command == "summaries":
        from workers.jobs.mail import send_message_summaries

        print(send_message_summaries())
        return 0
    from workers.jobs.alerts import send_digests

    print(send_digests(args.cadence))
    return 0


def _work(settings: Settings, queues: list[str], *, burst: bool) -> int:
    from rq import SimpleWorker
    from rq.serializers import JSONSerializer

    from workers.context import current

    ctx = current()  # fail now, not at the first job, if the database is unreachable
    redis = ctx.dispatcher.redis  # type: ignore[attr-defined]
    worker = SimpleWorker(queues, connection=redis, serializer=JSONSerializer)
    # with_scheduler: RQ's own scheduler enqueues the jobs waiting for a Retry interval.
    worker.work(burst=burst, with_scheduler=True, logging_level="INFO")
    return 0


def _schedule(settings: Settings) -> int:
    from redis import Redis

    from workers.schedule import build_scheduler

    build_scheduler(Redis.from_url(settings.redis_url)).start()
    return 0


if __name__ == "__main__":
    sys.exit(main())
