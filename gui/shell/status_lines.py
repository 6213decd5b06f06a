"""What the status bar says after the experiment's settings or its torch.optim reference
changed: the one line that tells a user whether the runs restarted or kept their past."""

from __future__ import annotations

from gui.state.experiment_model import ConfigChange


def change_message(change: ConfigChange, reference: bool) -> str:
    """What the status bar says after the settings changed."""
    names = change.names
    if names == {"branches"} and not reference:
        added = len(change.new.branches) - len(change.old.branches)
        what = "Branch added" if added > 0 else "Branch removed"
        return f"{what}: the runs keep their past; new branches start from their parent's step"
    text = "Settings changed: the experiment restarted at step 0"
    dropped = len(change.old.branches) - len(change.new.branches)
    if "branches" in names and names != {"branches"} and dropped > 0:
        text += f" ({dropped} branch{'es' if dropped > 1 else ''} dropped: no parent run left)"
    return text


def reference_message(on: bool) -> str:
    """What the status bar says after the torch.optim reference was switched."""
    if on:
        return "Reference on: torch.optim twins train beside each run (restarted at step 0)"
    return "Reference off (restarted at step 0)"
