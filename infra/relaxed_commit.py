"""Commits that need not wait for the disk: what a command takes before its events.

An intake takes the next case number and the applicant's data key (a rating comment the
key alone), each in a statement of its own, and then appends its events, whose commit
waits until the write-ahead log is on disk. The log is flushed in order, so that flush
makes every earlier commit durable too. Until then a crash may lose the number or the
key, but nothing acknowledged carries them: a number is then given again, and no event
was sealed under the lost key. So these statements commit asynchronously
(``synchronous_commit`` off for their own transaction only), sparing an intake two waits
for the disk (about 0.5 ms each on this machine).
"""

from __future__ import annotations

# A CTE that turns synchronous commit off until the statement's transaction ends; the
# statement must read from ``relaxed`` for it to run.
RELAXED = "relaxed AS (SELECT set_config('synchronous_commit', 'off', true))"
