"""The shell: the application, the main window, its menus, keys and toolbar, the zoom.

The only package that knows every feature; it builds them, hands each what it uses (the models,
the session, the engine, a way to show a message) and wires their signals.
"""
