"""Application assembly: settings, CLI, database, the Bot API emulator and the sandbox."""
