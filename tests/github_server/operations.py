"""The REST operations the product calls, hence the ones the local server implements and the contract
checks: (method, path template as in GitHub's OpenAPI description). scripts/refresh_openapi.py keeps these
(and the schemas they reference) in openapi-subset.json."""

OPERATIONS = [
    ("get", "/repos/{owner}/{repo}/actions/secrets"),
    ("post", "/repos/{owner}/{repo}/pulls"),
    ("patch", "/repos/{owner}/{repo}/pulls/{pull_number}"),
    ("post", "/repos/{owner}/{repo}/issues/{issue_number}/labels"),
    ("post", "/repos/{owner}/{repo}/pulls/{pull_number}/requested_reviewers"),
]

# Schemas that the server's answers outside an operation's documented responses are checked against
# (injected faults: 401, 5xx, rate limits).
EXTRA_SCHEMAS = ["basic-error"]
