"""What one update learns stays with its turn: a worker handles update after update, and no
state of one (such as "the setup question was asked already") may reach the next."""

from __future__ import annotations

from bot.intake import IntakeConfig
from sandbox.emulator import BotApiEmulator
from sandbox.local import running_bot
from tests.auxil.chat import Chat
from tests.conftest import ENGINE_CONFIG, TOKEN


async def test_two_updates_on_one_worker_share_no_turn_state(services):
    emulator = BotApiEmulator(TOKEN)
    await emulator.start()
    try:
        async with running_bot(
            services, emulator, engine_config=ENGINE_CONFIG, intake=IntakeConfig(workers=1)
        ) as running:
            first = Chat(emulator, running.handled, 5001, "Alex")
            second = Chat(emulator, running.handled, 5002, "Sam")
            # Alex's /start asks the setup question in its turn...
            await first.send("/start")
            # ...and Sam's first words, on the same (only) worker, still get their welcome.
            replies = await second.send("done")
            emulator.release_polls()
    finally:
        await emulator.stop()
    assert "Hi Sam, I'm Knee Coach" in replies.text, replies.text
