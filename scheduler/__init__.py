"""Pushes: the calendar maths (training days, local slots, time zones), planning who is due
when, the push engine that claims and sends the outbox's rows, and Telegram's rate limits. May
import storage and content; its planning rules (planner, slots) know no Telegram."""
