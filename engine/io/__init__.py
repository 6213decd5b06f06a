"""The command line: argument parsing, the headless run, experiment files and the tables it writes.

May use every other layer of the engine; nothing in the engine imports it.
"""
