"""Starting points for a student's optimizer: a blank file and the article's four rules written
in the file contract (:mod:`engine.optimizers.user_code`), each shipped as a ``.py`` resource in
``template_files/``. Read as text, never imported: the window lists and shows them, torch-free.
"""

from __future__ import annotations

from importlib import resources

from engine.optimizers.user_code import OptimizerCode

# key: what the window's menu shows, in its order
TEMPLATES: dict[str, str] = {
    "blank": "Blank",
    "sgd": "SGD",
    "momentum": "Momentum",
    "rmsprop": "RMSprop",
    "adam": "Adam",
}
# key: the built-in optimizer the template reproduces (what Check compares it with first);
# the blank template is plain gradient descent until the student changes it
TEMPLATE_BUILTINS: dict[str, str] = {
    "blank": "sgd",
    "sgd": "sgd",
    "momentum": "momentum",
    "rmsprop": "rmsprop",
    "adam": "adam",
}


def template_code(key: str) -> OptimizerCode:
    """Template ``key``'s source, named ``my_<key>.py`` (``my_optimizer.py`` for the blank);
    ``KeyError`` naming the templates for an unknown key."""
    if key not in TEMPLATES:
        raise KeyError(f"no template {key!r} (templates: {', '.join(TEMPLATES)})")
    source = resources.files(__package__).joinpath("template_files", f"{key}.py")
    filename = "my_optimizer.py" if key == "blank" else f"my_{key}.py"
    return OptimizerCode(source.read_text(encoding="utf-8"), filename)
