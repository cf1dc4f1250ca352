"""Background jobs (RQ): queues, job functions over the services, worker runtime, cron.

Jobs arrive with the alerts issue; until then periodic maintenance runs as CLI commands
(`flask --app marketplace listings expire`). Nothing here may import `marketplace.web`.
"""
