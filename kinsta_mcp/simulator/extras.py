"""State of the features newer than Kinsta's 1.87.0 document, kept apart from `state.py`.

WordPress administrators (one-click admin access), Force HTTPS, bot protection and the
downloadable-backup cooldown of one environment. Their API contract is reconstructed
(docs/kinsta-api-additions.md); where Kinsta's answer is not documented the simulator
answers with its own plausible shape, kept small.
"""

from __future__ import annotations

from dataclasses import dataclass, field

FORCE_HTTPS_MODES = ("ENABLED_FOR_ALL", "ENABLED_REDIRECT_TO_PRIMARY", "DISABLED")
BOT_PROTECTION_LEVELS = ("block-malicious-traffic", "block-automations", "challenge-bots", "challenge-everyone")
# How long after a downloadable backup is requested before the next may be (Kinsta's limit is not documented).
DOWNLOADABLE_BACKUP_COOLDOWN_SECONDS = 24 * 3600.0


@dataclass
class WpAdmin:
    """A WordPress user of the environment (`wp user list` shows them all; the login link takes an administrator)."""

    email: str
    first_name: str
    last_name: str
    role: str = "administrator"

    @property
    def login(self) -> str:
        return self.email.split("@", 1)[0].replace(".", "")


@dataclass
class EnvironmentExtras:
    """What one environment holds for the newer operations."""

    wp_admins: list[WpAdmin] = field(default_factory=list)  # every WordPress user; administrators by role
    force_https: str = "ENABLED_FOR_ALL"
    bot_protection_id: str = ""
    bot_protection_level: str = "block-malicious-traffic"  # Kinsta's baseline
    next_downloadable_backup_at: float = 0.0  # unix time; 0: a request is allowed now
    login_links_issued: int = 0

    def admin(self, email: str) -> WpAdmin | None:
        wanted = email.lower()
        return next((a for a in self.wp_admins if a.email.lower() == wanted and a.role == "administrator"), None)
