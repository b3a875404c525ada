# The dates the templates name (DATE_FORMAT, ...), as the site writes them in English:
# day, month, year, as in Belgium, rather than Django's American "Nov. 25, 2026".
DATE_FORMAT = "j F Y"
DATETIME_FORMAT = "j F Y, H:i"
SHORT_DATE_FORMAT = "j M Y"
SHORT_DATETIME_FORMAT = "j M Y, H:i"
MONTH_DAY_FORMAT = "j F"
