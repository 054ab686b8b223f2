"""The program as data and its pure rules: exercises, doses, safety texts and thresholds
(data/*.toml), progression and adherence rules, the shared vocabulary of states, the words
(gettext catalogues) and language understanding (understanding/). The bottom layer: it imports
no other package of the bot, and nothing here knows Telegram or a database."""
