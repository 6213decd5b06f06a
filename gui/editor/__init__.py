"""The optimizer editor: the "Your optimizer" dock where a student writes a rule as a Python file
(line numbers, Python's colours, a template to start from) and saves it into the experiment.
It uses the state, the widgets and the engine's torch-free reading of a file's outline
(``engine.optimizers.user_code``); it never imports torch nor runs the code, which the engine's
process does; like every feature it imports no other feature.
"""
