"""Imported once by the fork server of tests.auxil.processes, before it forks any bot: what
`kneecoach run` builds at every start and keeps for its life is built here, so that each forked
process finds it built. The place index alone takes a process of its own and several seconds
of CPU (GeoNames read and folded); the fault tests start dozens of bots. Each child still runs
the whole start-up (bot.app.create_services): it finds these caches full."""

from __future__ import annotations

from content.catalogue import load_catalogue
from content.i18n import LANGUAGES
from content.poses import load_animations
from content.understanding import warm_up as warm_up_understanding
from scheduler import timezones

for _language in LANGUAGES:
    load_catalogue(language=_language)
warm_up_understanding()
load_animations()
timezones.warm_up()
