"""The program's content: exercises, safety texts, program rules and the bot's words."""
