"""Collecting reports from government sites (`gip collect`): sites.py says what, http.py how
politely, crawl.py walks the list pages and stores what it finds with its manifest and WARC."""
