"""The flat action list: every valid (action, argument) pair of a level, with a name.

The env steps with one `(action id, argument)` row per agent (`MultiDiscrete([actions,
max_arg])`), but most of that grid is invalid: 8 of the 9 arguments of `noop` make it fail, and
such failures cost nothing, so to a learner they are free "do nothing" actions that soak up
probability. Learners choose instead from this list (as MettaGrid's flat named actions do:
`move_forward`, `attack_4`...), one index per agent, and map the index to its pair with
`pairs[index]`. Each valid pair appears exactly once, in env action order.
"""

from __future__ import annotations

import numpy as np

from game.rules.constants import ACTION_RULES, Act

# the name of each argument, for the actions with named ones (the others have a single argument 0,
# or, as transfer, profile and build, arguments that index one of the level's lists: their names
# come from the level, game.state.world.Tables.arg_labels)
ARG_NAMES: dict[int, tuple[str, ...]] = {
    Act[r.name.upper()]: r.args for r in ACTION_RULES if isinstance(r.args, tuple) and r.args
}


def flat_actions(action_names, action_code, arg_count, arg_labels) -> tuple[np.ndarray, list[str]]:
    """(pairs (n, 2) int32 of (env action id, argument), names) for a level's enabled actions.

    `action_code[i]` is env action i's internal code, `arg_count[code]` its valid arguments and
    `arg_labels[code]` their names (game.state.world.Tables: an action's own, or those of the
    level's list it indexes: transfer's resources, build's buildings, `build_wall`)."""
    pairs, names = [], []
    for i, (name, code) in enumerate(zip(action_names, action_code)):
        n = int(arg_count[code])
        labels = arg_labels[int(code)]
        for arg in range(n):
            pairs.append((i, arg))
            names.append(name if n == 1 else f"{name}_{labels[arg] if arg < len(labels) else arg}")
    return np.array(pairs, np.int32).reshape(-1, 2), names


def flat_index(pairs: np.ndarray, num_actions: int, max_arg: int) -> np.ndarray:
    """(num_actions, max_arg) int64: the flat index of each valid (action, argument) row of
    `pairs` (an env's `flat_actions`), -1 elsewhere: the inverse of the flat action list."""
    table = np.full((num_actions, max_arg), -1, np.int64)
    table[pairs[:, 0], pairs[:, 1]] = np.arange(len(pairs))
    return table
