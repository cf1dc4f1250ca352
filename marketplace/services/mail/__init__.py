"""Getting email out: the transport (SMTP or files), the outbox, signed links, email rendering and
the context every email needs.
"""
