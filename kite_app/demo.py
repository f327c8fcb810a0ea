"""`python -m kite_app.demo` (or `./run.sh demo`): fill an empty database with demo data."""

from __future__ import annotations

import sys
from datetime import UTC, datetime

from kite_app.config import settings
from kite_app.domain.errors import KiteError
from kite_app.routes import booking_url, team_url
from kite_app.services.demo import seed_demo


def main() -> int:
    try:
        demo = seed_demo(now=datetime.now(UTC))
    except KiteError as exc:
        print(f"Demo data not added: {exc.message}", file=sys.stderr)
        return 1
    print("Demo data added. Log in with any of these (password: %s):" % demo.password)
    print(f"  admin  {demo.admin_email}")
    for email, slug in zip(demo.agent_emails, demo.agent_slugs, strict=True):
        print(f"  agent  {email}  booking page {booking_url(settings.public_url, slug)}")
    for slug in demo.team_slugs:
        print(f"  team   {slug}  booking page {team_url(settings.public_url, slug)}")
    print(f"  {demo.busy_blocks} busy blocks in the agents' built-in calendars")
    return 0


if __name__ == "__main__":
    sys.exit(main())
