"""Stage 1, load: a TOML file (and its base levels) merged onto the defaults, typed as a Level
and checked, including that its map can be built (game/maps)."""
