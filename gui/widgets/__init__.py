"""Input widgets more than one feature uses: number fields, optimizer boxes, rate lists.

Uses no other gui package but ``gui.plotting`` (colours).
"""
