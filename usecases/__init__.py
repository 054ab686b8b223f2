"""Use cases: what a conversation asks of the program, as plain functions over a database
transaction, with no Telegram types (an import-linter contract keeps it so). Each returns an
outcome that the conversation renders in the person's language."""
