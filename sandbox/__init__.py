"""The stand-in for Telegram: a local Bot API server (emulator), the real bot started against
it (local), and the terminal chat of `kneecoach sandbox` (chat). Outside the production
layers: it may import any of them, and none imports it except the command line that offers
the sandbox (bot.cli)."""
