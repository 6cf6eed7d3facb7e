"""The game as data: ids (constants), observation channels (features), the level schema, the
defaults, the action and system tables and the size limits. Imports nothing of the game
but game.errors, so every later stage may use it."""
