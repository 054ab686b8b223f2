"""Pictures the bot sends that are drawn from content data: the exercise animations."""
