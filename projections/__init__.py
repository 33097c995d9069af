"""Read models: pure functions that apply events to views, plus their storage."""
