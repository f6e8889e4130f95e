"""The ``designgate`` command line: click commands (``main``) and output formatters (``formats``).

Only this package imports click; everything it does is a call into the library core.
"""
