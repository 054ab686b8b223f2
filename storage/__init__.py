"""Every SQL statement: the models, Alembic migrations, the database connection and one
repository module per area (people, training, holds, outbox, inbox, safety, reports, media,
clinicians). May import content only (its states and rules); knows no Telegram and no drawing."""
