"""Calendars and mail: the outside world behind small interfaces."""
