"""Amazon Selling Partner API access: credentials, endpoints, pacing, retries, pagination.

Nothing in this package imports Frappe; it returns Amazon's payloads as plain dicts shaped as in
Amazon's published models.

- `client.SpApiSession`: one account's python-amazon-sp-api clients, paced (`throttle`), retried
  (`retry`), with per-account LWA tokens (`auth`); `transport` keeps the raw HTTP answer.
- `errors`: typed errors and `user_message(exc)`, the one sentence a user is shown.
- `pagination`: every page-token style of the models, as generators.
- Operations: `sellers`, `orders`, `finances`, `reports`, `catalog`, `listings`, `tokens`.
- `source.SpApiSource`: the engines' Amazon source port (`core.sources.AmazonSource`) over a session.
- `redaction.Scrubber`: an account's secrets out of any text bound for a log.
"""
