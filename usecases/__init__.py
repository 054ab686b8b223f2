"""What the coach decides: training, check-ins, safety and holds, schedule, progress and the
report, as plain functions over one database transaction that return outcomes for a front door
to word. Every front door (the Telegram handlers now, the practice's web pages next) calls
these; they are the only callers of storage besides the scheduler. May import scheduler,
storage, media's data types and content; never Telegram or a front door (import-linter)."""
