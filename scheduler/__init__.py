"""Reminders and the calendar maths behind them (training days, time zones)."""
