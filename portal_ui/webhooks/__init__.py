"""Webhooks to the host app (README "Webhooks"): endpoints, the event catalogue, the outbox written
with each change, signing (JWT or Standard Webhooks), address checks, and the delivery worker.

Plain Python like `portal_ui.domain` (no Reflex, no HTTP layer): `events` (which audit actions
become which event types, and the payload), `outbox` (events and deliveries added in the change's
transaction), `addresses` (http(s) only, no private addresses unless allowed), `signing`,
`endpoints` (create, list, change, delete; the delivery log, replay, test events), `deliveries`
(claiming due deliveries and recording attempts, with the retry schedule) and `worker` (the loop
that sends them, in the server and as `python -m portal_ui.cli webhooks work`).
"""
