"""Background jobs (RQ): queues, job functions over the services, worker runtime, cron.

Nothing here may import `marketplace.web` (an import-linter contract keeps it so).
"""
