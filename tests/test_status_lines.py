"""The status bar's line after a change: whether the runs kept their past or restarted."""

from engine.config.settings import BranchSpec, ExperimentConfig
from gui.shell.status_lines import change_message, reference_message
from gui.state.experiment_model import ConfigChange

PLAIN = ExperimentConfig()
ONE = BranchSpec("sgd", 0.1, 50, lr=0.01)
TWO = BranchSpec("sgd", 0.1, 80, lr=0.5)
BRANCHED = PLAIN.with_changes(branches=(ONE, TWO))


def test_adding_or_removing_a_branch_keeps_the_past():
    added = change_message(ConfigChange(PLAIN, BRANCHED), reference=False)
    removed = change_message(ConfigChange(BRANCHED, PLAIN), reference=False)
    assert added.startswith("Branch added: the runs keep their past")
    assert removed.startswith("Branch removed: the runs keep their past")


def test_a_branch_with_the_reference_on_restarts():
    """The twins have no past to branch from: the experiment restarts."""
    line = change_message(ConfigChange(PLAIN, BRANCHED), reference=True)
    assert line == "Settings changed: the experiment restarted at step 0"


def test_a_change_that_drops_branches_counts_them():
    changed = BRANCHED.with_changes(learning_rates=(0.5,), branches=())
    assert change_message(ConfigChange(BRANCHED, changed), reference=False) == (
        "Settings changed: the experiment restarted at step 0 "
        "(2 branches dropped: no parent run left)"
    )
    one_left = BRANCHED.with_changes(max_steps=500, branches=(ONE,))
    assert "(1 branch dropped" in change_message(ConfigChange(BRANCHED, one_left), False)


def test_the_reference_switch_says_it_restarted():
    assert reference_message(True).startswith("Reference on: torch.optim twins train beside")
    assert reference_message(False) == "Reference off (restarted at step 0)"
