"""Inquiries, conversations and deals (issue 6)."""
