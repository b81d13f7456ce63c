"""Support code of the tests: factories per domain (`db/`) and the helpers the test modules share.

Test modules and conftest files import from here only, never from a conftest or from another test module.
"""
