"""Benchmarks (`make bench`, or `python -m bench [name …]`): each prints median and p95 and appends
one JSON line to bench/results/<name>.jsonl. Tests never time anything; these do."""

BENCHMARKS = ("link_to_content", "save_round_trip", "link_api_throughput", "connected_sessions", "members_list",
              "concurrent_tabs", "webhook_lag", "svg_uploads")
