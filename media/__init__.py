"""Drawing: the pain chart, the exercise animations and the PDF report's layout, made from
plain data in a process of their own (process.DrawingProcess) so that drawing never holds up
anyone's reply. May import content only: no Telegram, no SQL (import-linter)."""
