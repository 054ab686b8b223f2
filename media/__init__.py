"""Pictures and documents the bot draws from data: the pain chart and the exercise animations."""
