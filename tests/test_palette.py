"""game/tools/palette.py: the colours the level PNG and the viewer share."""

from game.tools.palette import (
    BUILDING_COLORS,
    GROUP_COLORS,
    PALETTE,
    RESOURCE_COLORS,
    building_color,
    group_color,
    resource_color,
)


def test_a_group_named_after_a_colour_gets_it_others_the_palette_in_order():
    assert group_color("Red", 5) == GROUP_COLORS["red"]
    assert group_color("team", 0) == PALETTE[0] and group_color("team", 9) == PALETTE[1]
    assert len(set(PALETTE)) == len(PALETTE)  # neighbouring groups never share a colour


def test_unknown_kinds_get_a_stable_colour_of_their_own():
    assert building_color("altar") == BUILDING_COLORS["altar"]
    made = building_color("forge")
    assert made == building_color("forge") and made != building_color("smithy")
    assert resource_color("heart") == RESOURCE_COLORS["heart"] and resource_color("gold") != resource_color(
        "silver"
    )
    assert all(0 <= v <= 255 for v in made)
