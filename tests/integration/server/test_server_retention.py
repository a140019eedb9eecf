"""The retention window: the server forgets applied op_ids and removals older than it, and a cursor that would have
missed a forgotten removal is answered 410, so the device pulls everything again."""

from datetime import timedelta

from server_harness import API, ServerHarness, change, client_data, deleted, group_session_data, now, records

from server.models import AppliedOp, SessionFormerStaff
from server.retention import prune_history

WINDOW = timedelta(days=90)


def count(harness: ServerHarness, model: type) -> int:
    with harness.db.reading() as session:
        return session.query(model).count()


def test_applied_op_ids_are_forgotten_after_the_window_and_a_repeat_before_it_is_a_duplicate(two_agencies) -> None:
    headers = two_agencies.login("wlee")
    early, late = change("client", client_data()), change("client", client_data())
    two_agencies.move_clock(now() - WINDOW - timedelta(days=1))
    assert two_agencies.push_one(headers, early)["status"] == "applied"
    two_agencies.move_clock(now() - WINDOW + timedelta(days=1))
    assert two_agencies.push_one(headers, late)["status"] == "applied"

    pruned = prune_history(two_agencies.db, now=now(), keep_for=WINDOW)

    assert (pruned.applied_ops, count(two_agencies, AppliedOp)) == (1, 1)
    assert two_agencies.push_one(headers, late)["status"] == "duplicate"
    # The forgotten op_id is judged afresh: its record exists, so the repeat is a conflict, never a second copy.
    assert two_agencies.push_one(headers, early)["status"] == "conflict"


def test_a_cursor_older_than_a_forgotten_removal_gets_410_and_a_newer_one_carries_on(two_agencies) -> None:
    wlee, ajones = two_agencies.login("wlee"), two_agencies.login("ajones")
    shared = group_session_data(["wlee", "ajones"])
    two_agencies.move_clock(now() - WINDOW - timedelta(days=2))
    two_agencies.push_one(wlee, change("session", shared))
    _, before_removal = two_agencies.pull_all(ajones)
    two_agencies.move_clock(now() - WINDOW - timedelta(days=1))
    two_agencies.push_one(wlee, change("session", shared | {"staff": ["wlee"]}, base_version=1))
    removal, after_removal = two_agencies.pull_all(ajones, before_removal)
    assert deleted(removal, "session") == {shared["id"]}

    pruned = prune_history(two_agencies.db, now=now(), keep_for=WINDOW)

    assert pruned.removals == 1 and count(two_agencies, SessionFormerStaff) == 0
    stale = two_agencies.client.get(f"{API}/sync/pull", headers=ajones, params={"cursor": before_removal})
    assert stale.status_code == 410
    assert "Pull again without a cursor" in stale.json()["detail"]
    assert two_agencies.pull_page(ajones, after_removal)["changes"] == []
    # Starting over works, page by page (its cursors carry where it began, so they are not refused in turn), and
    # no longer names the session at all: the device drops it because the full pull did not name it.
    everything, _ = two_agencies.pull_all(ajones, limit=1)
    assert shared["id"] not in records(everything, "session") | dict.fromkeys(deleted(everything, "session"))


def test_history_inside_the_window_is_kept(two_agencies) -> None:
    wlee, ajones = two_agencies.login("wlee"), two_agencies.login("ajones")
    shared = group_session_data(["wlee", "ajones"])
    two_agencies.push_one(wlee, change("session", shared))
    _, before_removal = two_agencies.pull_all(ajones)
    two_agencies.push_one(wlee, change("session", shared | {"staff": ["wlee"]}, base_version=1))

    pruned = prune_history(two_agencies.db, now=now(), keep_for=WINDOW)

    assert (pruned.applied_ops, pruned.removals, pruned.history_from_seq) == (0, 0, 0)
    removal, _ = two_agencies.pull_all(ajones, before_removal)
    assert deleted(removal, "session") == {shared["id"]}
