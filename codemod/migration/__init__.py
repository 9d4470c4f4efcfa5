"""The SPEC rules, one module per concern. Each takes the parsed workflows (a `Migration`) and queues edits
on the YAML documents plus notes; none touches the file system, git or the network.

    linkage     R1  the post workflow listens to the CI workflow; release branches; dropped triggers
    moves       R2  which post jobs move, are dropped, or merge into cleanup; collision renames
    publish     R3  the publish group: publish-production and publish-production-<suffix> jobs
    gate        R4  the gate condition and gate needs of every moved job
    rewrite     R5  expression rewriting inside moved jobs
    jobcontext  R6  workflow-level env/defaults/permissions/concurrency moved to job level; secrets
    cleanup     R7  final-cleanup
    listeners   R8  other workflows that listened to the post workflow; `uses:` of it
    truthtable  R9  the truth table of R4, checked on the result
"""
