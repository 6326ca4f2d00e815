"""pyTD 0.0.x's ``pyTD.utils`` package, kept so that its imports still work.

Importing it loads nothing but this file; ``pyTD.utils.exceptions`` re-exports
:mod:`pyTD.exceptions`.
"""
