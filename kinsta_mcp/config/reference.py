"""The configuration table (Markdown) for the README and `kinsta-mcp config --reference`."""

from __future__ import annotations

from kinsta_mcp.config.options import OPTIONS


def config_reference_markdown() -> str:
    """Every setting with its config-file key, flag, environment variable, default and meaning."""
    rows = [
        "| Config-file key | Flag | Environment variable | Default | Meaning |",
        "|---|---|---|---|---|",
    ]
    for o in OPTIONS:
        flag = f"`{o.flag}`" if o.flag else "—"
        if o.flag and o.choices:
            flag = f"`{o.flag} {{{','.join(o.choices)}}}`"
        elif o.flag and o.metavar:
            flag = f"`{o.flag} {o.metavar}`"
        env = f"`{o.env}`" if o.env else "—"
        key = f"`{o.key}`" if o.in_file else "—"
        meaning = o.meaning.replace("|", "\\|")
        rows.append(f"| {key} | {flag} | {env} | {o.default} | {meaning} |")
    return "\n".join(rows) + "\n"
