"""Kite Scheduler: a self-hostable meeting scheduler."""
