"""The composition root: settings, the command line, assembly of the application (app.py),
updates from arrival to handled (intake, polling, the webhook), the Bot API client (transport),
the web server (health, metrics), logs. It may import every layer; no layer imports it."""
