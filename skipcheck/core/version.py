"""The version skipcheck reports (--version, json/sarif output, exported code)."""

__version__ = "0.1.0"
