"""Names a human cannot tell apart: mixed scripts and homoglyphs of another name are detected."""

from __future__ import annotations

from kinsta_mcp.untrusted import lookalike_warning, mixed_scripts, scripts_of, skeleton

CYRILLIC_O = "\u043e"


def test_a_name_mixing_latin_and_cyrillic_is_flagged_and_a_plain_one_is_not() -> None:
    assert mixed_scripts(f"Acme Sh{CYRILLIC_O}p") and scripts_of(f"Acme Sh{CYRILLIC_O}p") == {"LATIN", "CYRILLIC"}
    assert not mixed_scripts("Acme Shop 2") and not mixed_scripts("Магазин")  # one script each
    assert not mixed_scripts("Café Zoë")  # accents are Latin


def test_a_homoglyph_of_another_name_has_the_same_skeleton() -> None:
    assert skeleton(f"Acme Sh{CYRILLIC_O}p") == skeleton("acme shop") == skeleton("Acme\u00a0Shop")
    assert skeleton("Acme Shop") != skeleton("Acme Shops")


def test_the_warning_names_the_twin_in_both_directions() -> None:
    fake = f"Acme Sh{CYRILLIC_O}p"
    about_fake = lookalike_warning(fake, ["Acme Shop", "Blog"])
    assert about_fake and "mixes scripts" in about_fake and '"Acme Shop"' in about_fake
    about_real = lookalike_warning("Acme Shop", [fake, "Blog"])
    assert about_real and "looks the same" in about_real
    assert lookalike_warning("Acme Shop", ["Acme Shop", "Blog"]) is None
    assert lookalike_warning("Магазин", ["Blog"]) is None
