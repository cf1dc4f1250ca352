"""Conversations between firms, deals (terms, negotiation, stock reservation), deliveries, and the
mail they send.
"""
