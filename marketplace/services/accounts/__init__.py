"""People, firms and membership: registration, sign-in, invitations, roles, security tokens, the
audit log, privacy (export, deletion) and retention.
"""
