"""Collecting reports from government sites (`gip collect`): sites.py says what, http.py how
politely, crawl.py walks the list pages and stores what it finds, manifest.py logs each fetch
(and the WARC files keep the bytes), provenance.py carries the log into `reports`."""
