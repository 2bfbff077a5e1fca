"""Importing digest exports: the `import_digests` command and the import endpoint."""

from __future__ import annotations

import shutil
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command

from digests import services
from digests.models import Digest
from digests.parser import parse
from tenants.context import tenant_context
from tenants.models import Tenant
from tests import factories
from tests.digests.test_parser import EXPECTED, line_of

SEEDS: Path = settings.BASE_DIR / "seeds" / "digests"
IMPORT = "/api/v1/tenants/acme/digests/import/"
DETAIL = "/api/v1/tenants/acme/digests/{id}/"

GRID = "01-grid-batteries.txt"
GRID_TITLE = "Grid Batteries - What Actually Gets Built and Why"
MAILLARD = "03-maillard-reaction.txt"
MAILLARD_TITLE = "Why Browning Tastes So Good: The Maillard Reaction Explained"
RETIRE = "10-retire-early.txt"
RETIRE_TITLE = "Twelve Questions to Answer Before Retiring Early"
ALL_TITLES = sorted(entry[0] for entry in EXPECTED.values())


def run_import(*args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("import_digests", *args, "--progress", "never", stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def run_failing_import(*args: str) -> tuple[str, str, CommandError]:
    out, err = StringIO(), StringIO()
    with pytest.raises(CommandError) as caught:
        call_command("import_digests", *args, "--progress", "never", stdout=out, stderr=err)
    return out.getvalue(), err.getvalue(), caught.value


def digests(tenant: Tenant) -> list[Digest]:
    with tenant_context(tenant):
        return list(Digest.objects.order_by("title"))


def titled(tenant: Tenant, title: str) -> list[Digest]:
    with tenant_context(tenant):
        return list(Digest.objects.filter(title=title))


def seed(name: str) -> bytes:
    return (SEEDS / name).read_bytes()


def broken_maillard() -> tuple[str, int]:
    """The Maillard export with its last subsection numbered for the wrong section:
    the parser gets almost to the end before it fails."""
    text = seed(MAILLARD).decode("utf-8")
    assert "\n2.3. Time and Heat\n" in text
    text = text.replace("\n2.3. Time and Heat\n", "\n3.3. Time and Heat\n")
    return text, line_of(text, "3.3. Time and Heat")


def summary_line(created=0, updated=0, unchanged=0, failed=0, tenant="acme") -> str:
    return (
        f"Imported into {tenant}: {created} created, {updated} updated, "
        f"{unchanged} unchanged, {failed} failed."
    )


# --- The command ------------------------------------------------------------------------------


def test_the_command_imports_the_ten_samples_as_drafts(world):
    out, err = run_import("--tenant", "acme", str(SEEDS))

    assert summary_line(created=10) in out
    assert err == ""
    stored = digests(world.acme)
    assert sorted(d.title for d in stored) == ALL_TITLES
    assert all(d.tenant_id == world.acme.pk for d in stored)
    assert all(d.status == Digest.Status.DRAFT and d.published_at is None for d in stored)
    assert all(d.import_key for d in stored)
    assert len({d.slug for d in stored}) == 10

    # What is stored is what the parser reads from the file.
    [grid] = titled(world.acme, GRID_TITLE)
    parsed = parse(seed(GRID).decode("utf-8"))
    assert grid.publisher == "Watt Matters"
    assert grid.published_on == parsed.published_on
    assert grid.summary == parsed.summary
    assert grid.key_points == parsed.key_points
    assert grid.sections == parsed.sections_as_dicts()
    assert grid.truncated is True
    assert grid.exporter == "Digestly"
    assert (grid.source_publisher, grid.source_title) == ("Watt Matters", GRID_TITLE)
    # Nothing leaked into globex, which still has only its own digest.
    assert [d.pk for d in digests(world.globex)] == [world.globex_digest.pk]


def test_importing_again_changes_nothing(world):
    run_import("--tenant", "acme", str(SEEDS))
    before = {d.pk: d.updated_at for d in digests(world.acme)}

    out, _ = run_import("--tenant", "acme", str(SEEDS))

    assert summary_line(unchanged=10) in out
    after = {d.pk: d.updated_at for d in digests(world.acme)}
    assert after == before
    assert len(after) == 10


def test_an_edited_export_updates_its_digest(world, tmp_path):
    folder = tmp_path / "exports"
    shutil.copytree(SEEDS, folder)
    run_import("--tenant", "acme", str(folder))
    [original] = titled(world.acme, GRID_TITLE)

    path = folder / GRID
    text = path.read_text(encoding="utf-8")
    old_start = "An energy analyst and a former utility planner walk through"
    assert old_start in text
    path.write_text(text.replace(old_start, "A battery economist walks through"), "utf-8")

    out, _ = run_import("--tenant", "acme", str(folder))

    assert summary_line(updated=1, unchanged=9) in out
    [updated] = titled(world.acme, GRID_TITLE)
    assert updated.pk == original.pk
    assert updated.summary == original.summary.replace(
        old_start, "A battery economist walks through"
    )
    assert updated.summary.startswith("A battery economist walks through the pipeline of grid")
    assert updated.updated_at > original.updated_at
    assert len(digests(world.acme)) == 10


def test_a_malformed_file_is_reported_and_leaves_nothing(world, tmp_path):
    bad_text, bad_line = broken_maillard()
    shutil.copy(SEEDS / GRID, tmp_path / GRID)
    (tmp_path / "05-broken-maillard.txt").write_text(bad_text, encoding="utf-8")
    shutil.copy(SEEDS / RETIRE, tmp_path / RETIRE)  # sorts after the broken one
    bad_path = tmp_path / "05-broken-maillard.txt"

    out, err, error = run_failing_import("--tenant", "acme", str(tmp_path))

    assert summary_line(created=2, failed=1) in out
    assert f"{bad_path}:{bad_line}: " in err
    assert GRID not in err and RETIRE not in err
    assert "1 of 3 files failed" in str(error)
    assert sorted(d.title for d in digests(world.acme)) == sorted([GRID_TITLE, RETIRE_TITLE])
    assert titled(world.acme, MAILLARD_TITLE) == []


def test_publish_imports_as_published(world):
    out, _ = run_import("--tenant", "acme", "--publish", str(SEEDS / GRID), str(SEEDS / RETIRE))

    assert summary_line(created=2) in out
    stored = digests(world.acme)
    assert len(stored) == 2
    assert all(d.status == Digest.Status.PUBLISHED and d.published_at for d in stored)


def test_publish_on_reimport_publishes_existing_drafts(world):
    run_import("--tenant", "acme", str(SEEDS / GRID))
    [draft] = digests(world.acme)
    assert draft.status == Digest.Status.DRAFT

    out, _ = run_import("--tenant", "acme", "--publish", str(SEEDS / GRID))

    assert summary_line(updated=1) in out
    [published] = digests(world.acme)
    assert published.pk == draft.pk
    assert published.status == Digest.Status.PUBLISHED
    assert published.published_at is not None


def test_an_unknown_tenant_is_a_command_error(world):
    _, _, error = run_failing_import("--tenant", "nope", str(SEEDS))
    assert "nope" in str(error)
    assert len(digests(world.acme)) == 0


def test_a_missing_path_is_a_command_error(world, tmp_path):
    missing = tmp_path / "not-there"
    _, _, error = run_failing_import("--tenant", "acme", str(SEEDS / GRID), str(missing))
    assert str(missing) in str(error)
    assert len(digests(world.acme)) == 0  # checked before anything is imported


def test_a_folder_without_exports_is_a_command_error(world, tmp_path):
    (tmp_path / "notes.md").write_text("not an export", encoding="utf-8")
    _, _, error = run_failing_import("--tenant", "acme", str(tmp_path))
    assert "no .txt files" in str(error)


def test_imports_into_one_tenant_never_touch_another(world, tmp_path):
    path = tmp_path / GRID
    shutil.copy(SEEDS / GRID, path)
    run_import("--tenant", "acme", str(path))
    run_import("--tenant", "globex", str(path))

    [in_acme] = titled(world.acme, GRID_TITLE)
    [in_globex] = titled(world.globex, GRID_TITLE)
    assert in_acme.pk != in_globex.pk
    assert (in_acme.tenant_id, in_globex.tenant_id) == (world.acme.pk, world.globex.pk)
    assert in_acme.import_key == in_globex.import_key  # same export, one digest per tenant
    assert len(digests(world.acme)) == 1
    assert len(digests(world.globex)) == 2  # its own digest and the import

    # Re-importing into acme, unchanged and then edited, leaves globex's copy alone.
    out, _ = run_import("--tenant", "acme", str(path))
    assert summary_line(unchanged=1) in out
    path.write_text(path.read_text("utf-8").replace("An energy analyst", "A new analyst"), "utf-8")
    out, _ = run_import("--tenant", "acme", "--publish", str(path))
    assert summary_line(updated=1) in out

    [acme_after] = titled(world.acme, GRID_TITLE)
    [globex_after] = titled(world.globex, GRID_TITLE)
    assert acme_after.summary.startswith("A new analyst")
    assert acme_after.status == Digest.Status.PUBLISHED
    assert globex_after.updated_at == in_globex.updated_at
    assert globex_after.summary == in_globex.summary
    assert globex_after.status == Digest.Status.DRAFT


# --- The endpoint -----------------------------------------------------------------------------


def post_text(client, body: bytes, query: str = ""):
    return client.post(IMPORT + query, data=body, content_type="text/plain")


def post_files(client, *files: tuple[str, bytes], query: str = ""):
    uploads = [SimpleUploadedFile(name, raw, content_type="text/plain") for name, raw in files]
    return client.post(IMPORT + query, {"files": uploads}, format="multipart")


def test_an_editor_imports_a_text_body(world):
    client = world.client("editor")

    response = post_text(client, seed(GRID))

    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["created"], body["updated"], body["unchanged"], body["failed"]) == (1, 0, 0, 0)
    [result] = body["files"]
    assert result["status"] == "created"
    assert result["line"] is None and result["error"] is None
    [stored] = digests(world.acme)
    assert result["id"] == stored.pk
    assert stored.title == GRID_TITLE
    assert stored.status == Digest.Status.DRAFT
    assert stored.created_by == world.members["editor"]

    again = post_text(client, seed(GRID), "?filename=grid.txt")

    assert again.status_code == 200, again.content
    body = again.json()
    assert (body["created"], body["updated"], body["unchanged"], body["failed"]) == (0, 0, 1, 0)
    assert body["files"] == [
        {"file": "grid.txt", "status": "unchanged", "id": stored.pk, "line": None, "error": None}
    ]
    assert len(digests(world.acme)) == 1


def test_multipart_files_each_get_a_result(world):
    bad_text, bad_line = broken_maillard()

    response = post_files(
        world.client("editor"),
        ("grid.txt", seed(GRID)),
        ("maillard.txt", bad_text.encode("utf-8")),
        ("retire.txt", seed(RETIRE)),
    )

    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["created"], body["updated"], body["unchanged"], body["failed"]) == (2, 0, 0, 1)
    grid, maillard, retire = body["files"]
    assert [grid["file"], maillard["file"], retire["file"]] == [
        "grid.txt",
        "maillard.txt",
        "retire.txt",
    ]
    assert grid["status"] == retire["status"] == "created"
    assert grid["line"] is None and retire["line"] is None
    assert maillard["status"] == "failed"
    assert maillard["line"] == bad_line
    assert maillard["id"] is None
    assert maillard["error"].startswith(f"maillard.txt:{bad_line}: ")
    assert titled(world.acme, MAILLARD_TITLE) == []
    assert sorted(d.pk for d in digests(world.acme)) == sorted([grid["id"], retire["id"]])


def test_a_viewer_cannot_import(world):
    response = post_text(world.client("viewer"), seed(GRID))
    assert response.status_code == 403, response.content
    assert digests(world.acme) == []

    response = post_files(world.client("viewer"), ("grid.txt", seed(GRID)))
    assert response.status_code == 403, response.content
    assert digests(world.acme) == []


def test_an_editor_can_import_and_publish(world):
    client = world.client("editor")
    response = post_text(client, seed(GRID), "?publish=true")

    assert response.status_code == 200, response.content
    [result] = response.json()["files"]
    assert result["status"] == "created"
    detail = client.get(DETAIL.format(id=result["id"]))
    assert detail.status_code == 200, detail.content
    assert detail.json()["status"] == "published"
    assert detail.json()["published_at"] is not None
    # Published, so a viewer sees it too.
    assert world.client("viewer").get(DETAIL.format(id=result["id"])).status_code == 200


def test_compliance_cannot_import_at_all(world):
    # rbac: compliance reads (including drafts) but has neither add_digest nor
    # publish_digest, so the endpoint refuses it before looking at ?publish.
    for query in ("", "?publish=true"):
        response = post_text(world.client("compliance"), seed(GRID), query)
        assert response.status_code == 403, response.content
    assert digests(world.acme) == []


def test_a_role_that_imports_but_cannot_publish_gets_400_for_publish(world):
    importer = factories.custom_role(
        world.acme,
        slug="importer",
        permissions=[
            "digests.view_digest",
            "digests.view_unpublished_digest",
            "digests.add_digest",
        ],
    )
    user = factories.membership(world.acme, importer, email="importer@acme.test").user
    client = world.client(user=user)

    refused = post_text(client, seed(GRID), "?publish=true")

    assert refused.status_code == 400, refused.content
    assert [e["field"] for e in refused.json()["errors"]] == ["publish"]
    assert digests(world.acme) == []

    drafted = post_text(client, seed(GRID))
    assert drafted.status_code == 200, drafted.content
    assert drafted.json()["created"] == 1
    [stored] = digests(world.acme)
    assert stored.status == Digest.Status.DRAFT


def test_invalid_utf8_fails_that_file_with_its_line(world):
    latin1 = seed(GRID).decode("utf-8").replace("Watt Matters", "Watt Matières")
    raw = latin1.encode("latin-1", errors="replace")
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")
    expected_line = line_of(latin1, "Watt Matières")
    assert expected_line == 7

    response = post_files(world.client("editor"), ("latin1.txt", raw), ("retire.txt", seed(RETIRE)))

    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["created"], body["failed"]) == (1, 1)
    failed, ok = body["files"]
    assert failed["status"] == "failed"
    assert failed["line"] == expected_line
    assert failed["error"].startswith(f"latin1.txt:{expected_line}: ")
    assert ok["status"] == "created"
    assert titled(world.acme, GRID_TITLE) == []

    # The same as a text/plain body.
    response = post_text(world.client("editor"), raw, "?filename=body.txt")
    assert response.status_code == 200, response.content
    [result] = response.json()["files"]
    assert (result["status"], result["line"]) == ("failed", expected_line)


def test_imported_digests_carry_their_source(world):
    client = world.client("editor")
    response = post_text(client, seed(MAILLARD))
    [result] = response.json()["files"]

    detail = client.get(DETAIL.format(id=result["id"]))

    assert detail.status_code == 200, detail.content
    assert detail.json()["source"] == {
        "publisher": "The Hungry Chemist",
        "title": MAILLARD_TITLE,
        "url": None,
    }
    assert detail.json()["exporter"] == "Digestly"
    # Stored in the source columns themselves, not only filled in from publisher/title.
    [stored] = digests(world.acme)
    assert (stored.source_publisher, stored.source_title) == ("The Hungry Chemist", MAILLARD_TITLE)


# --- Bugs -------------------------------------------------------------------------------------

LONG_TITLE = "A " + "very " * 70 + "long title"  # 358 characters; the column holds 300


def long_title_export() -> bytes:
    text = seed(MAILLARD).decode("utf-8").replace(MAILLARD_TITLE, LONG_TITLE)
    assert text.count(LONG_TITLE) == 2  # the title line and the publisher line
    return text.encode("utf-8")


def test_an_over_long_title_fails_that_file_not_the_request(world):
    response = post_files(
        world.client("editor"), ("grid.txt", seed(GRID)), ("long.txt", long_title_export())
    )

    assert response.status_code == 200, response.content
    grid, long = response.json()["files"]
    assert grid["status"] == "created"
    assert long["status"] == "failed"
    assert long["line"] == 5  # the title line
    assert [d.title for d in digests(world.acme)] == [GRID_TITLE]


def test_an_over_long_title_is_a_reported_failure_in_the_command(world, tmp_path):
    shutil.copy(SEEDS / GRID, tmp_path / GRID)
    (tmp_path / "05-long.txt").write_bytes(long_title_export())
    shutil.copy(SEEDS / RETIRE, tmp_path / RETIRE)

    out, err, _ = run_failing_import("--tenant", "acme", str(tmp_path))

    assert summary_line(created=2, failed=1) in out
    assert f"{tmp_path / '05-long.txt'}:5: " in err
    assert sorted(d.title for d in digests(world.acme)) == sorted([GRID_TITLE, RETIRE_TITLE])


def test_publishing_an_archived_digest_by_import_clears_archived_at(world):
    run_import("--tenant", "acme", "--publish", str(SEEDS / GRID))
    [digest] = digests(world.acme)
    with tenant_context(world.acme):
        services.digest_transition(actor=None, digest=digest, to=Digest.Status.ARCHIVED)

    out, _ = run_import("--tenant", "acme", "--publish", str(SEEDS / GRID))

    assert summary_line(updated=1) in out
    [digest] = digests(world.acme)
    assert digest.status == Digest.Status.PUBLISHED
    assert digest.archived_at is None


@pytest.mark.django_db(transaction=True)
def test_command_outside_a_transaction_stores_batches_in_parallel(monkeypatch):
    """The command path that overlaps parsing with storing, on its own connections."""
    from digests import importing

    monkeypatch.setattr(importing, "CHUNK", 3)  # 10 seeds: four batches, two writers
    factories.tenant("parallel")
    out = StringIO()
    call_command(
        "import_digests", "--tenant", "parallel", "--progress", "never", str(SEEDS), stdout=out
    )
    assert "10 created" in out.getvalue()
    again = StringIO()
    call_command(
        "import_digests", "--tenant", "parallel", "--progress", "never", str(SEEDS), stdout=again
    )
    assert "10 unchanged" in again.getvalue()
    tenant = Tenant.objects.get(slug="parallel")
    with tenant_context(tenant):
        assert Digest.objects.count() == 10


@pytest.mark.django_db(transaction=True)
def test_the_same_export_imported_twice_at_once_leaves_one_digest():
    import threading

    from django.db import connections

    tenant = factories.tenant("race-import")
    text = (SEEDS / "01-grid-batteries.txt").read_text(encoding="utf-8")
    barrier = threading.Barrier(2)
    statuses = []

    def run():
        try:
            with tenant_context(tenant):
                barrier.wait()
                outcome = services.digest_import_many(actor=None, parsed=[parse(text)])[0]
                statuses.append(outcome.status)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(statuses) == ["created", "unchanged"]
    with tenant_context(tenant):
        assert Digest.objects.count() == 1


# --- An import changes only what its caller may change ----------------------------------------

EDITED_START = "An energy analyst and a former utility planner walk through"


def edited_grid() -> bytes:
    text = seed(GRID).decode("utf-8")
    assert EDITED_START in text
    return text.replace(EDITED_START, "Someone overwrote this").encode("utf-8")


def every_byte(response) -> bytes:
    headers = "\n".join(f"{k}: {v}" for k, v in response.items())
    return headers.encode() + b"\n\n" + response.content


def imported_grid(world, **access) -> Digest:
    """The grid export, imported by the operator (the command) and published."""
    run_import("--tenant", "acme", "--publish", str(SEEDS / GRID))
    [stored] = titled(world.acme, GRID_TITLE)
    if access:
        with tenant_context(world.acme):
            services.digest_set_access(actor=None, digest=stored, members=[], roles=[], **access)
        [stored] = titled(world.acme, GRID_TITLE)
    return stored


def assert_refused(world, response, stored: Digest, name: str) -> None:
    """The file failed with the message that names nothing, and the digest is as it was."""
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["created"], body["updated"], body["unchanged"]) == (0, 0, 0)
    assert all(
        f
        == {
            "file": name,
            "status": "failed",
            "id": None,
            "line": None,
            "error": f"{name}: {services.NOT_YOURS}",
        }
        for f in body["files"]
    ), body["files"]
    raw = every_byte(response)
    for secret in (str(stored.pk), stored.slug, stored.status):
        assert f'"{secret}"'.encode() not in raw and f":{secret},".encode() not in raw
    [after] = titled(world.acme, GRID_TITLE)
    assert after.summary == stored.summary and after.updated_at == stored.updated_at


@pytest.mark.parametrize("body", [edited_grid, lambda: seed(GRID)], ids=["edited", "same"])
def test_an_import_never_touches_a_restricted_digest_its_caller_cannot_see(world, body):
    stored = imported_grid(world, restricted=True)
    editor = world.client("editor")
    assert editor.get(DETAIL.format(id=stored.pk)).status_code == 404

    response = post_text(editor, body(), "?filename=grid.txt")

    assert_refused(world, response, stored, "grid.txt")
    assert len(digests(world.acme)) == 1


def test_an_import_never_touches_a_digest_a_policy_hides_from_its_caller(world):
    stored = imported_grid(world)
    factories.policy(
        world.acme,
        slug="no-batteries",
        rules=[
            {
                "id": "b",
                "kind": "keyword_block",
                "params": {"keywords": ["batteries"]},
                "audience": {"type": "roles", "roles": ["editor"]},
            }
        ],
        publish=True,
    )
    editor = world.client("editor")
    assert editor.get(DETAIL.format(id=stored.pk)).status_code == 404

    response = post_files(editor, ("grid.txt", edited_grid()), ("again.txt", edited_grid()))

    assert response.status_code == 200, response.content
    body = response.json()
    assert [f["status"] for f in body["files"]] == ["failed", "failed"]
    assert [f["error"] for f in body["files"]] == [
        f"grid.txt: {services.NOT_YOURS}",
        f"again.txt: {services.NOT_YOURS}",
    ]
    [after] = titled(world.acme, GRID_TITLE)
    assert after.summary == stored.summary


def test_a_role_that_cannot_change_digests_gets_the_same_answer_for_one_it_sees(world):
    """The refusal is the one any caller gets for a digest they may not change, so it
    says nothing about whether they could see it."""
    stored = imported_grid(world)
    importer = factories.custom_role(
        world.acme,
        slug="importer",
        permissions=["digests.view_digest", "digests.add_digest"],
    )
    user = factories.membership(world.acme, importer, email="importer@acme.test").user
    client = world.client(user=user)
    assert client.get(DETAIL.format(id=stored.pk)).status_code == 200

    response = post_text(client, edited_grid(), "?filename=grid.txt")

    assert_refused(world, response, stored, "grid.txt")


def test_an_editor_still_updates_what_they_see_beside_what_they_cannot(world):
    stored = imported_grid(world, restricted=True)
    run_import("--tenant", "acme", "--publish", str(SEEDS / RETIRE))
    [retire] = titled(world.acme, RETIRE_TITLE)
    planner = "A financial planner and a retired schoolteacher"
    edited_retire = seed(RETIRE).decode("utf-8").replace(planner, "A planner").encode("utf-8")

    response = post_files(
        world.client("editor"), ("grid.txt", edited_grid()), ("retire.txt", edited_retire)
    )

    assert response.status_code == 200, response.content
    grid, retired = response.json()["files"]
    assert grid["status"] == "failed" and grid["id"] is None
    assert (retired["status"], retired["id"]) == ("updated", retire.pk)
    [after] = titled(world.acme, GRID_TITLE)
    assert after.summary == stored.summary
    [retire_after] = titled(world.acme, RETIRE_TITLE)
    assert retire_after.summary.startswith("A planner")


def test_the_command_still_updates_a_restricted_digest(world, tmp_path):
    stored = imported_grid(world, restricted=True)
    path = tmp_path / GRID
    path.write_bytes(edited_grid())

    out, _ = run_import("--tenant", "acme", str(path))

    assert summary_line(updated=1) in out
    [after] = titled(world.acme, GRID_TITLE)
    assert after.pk == stored.pk and after.summary.startswith("Someone overwrote this")


@pytest.mark.parametrize(
    ("method", "old", "new"),
    [
        ("post", "digests/import?publish=true", "digests/import/?publish=true"),
        ("get", "digests/changes?since=0", "digests/changes/?since=0"),
        ("get", "digests/export", "digests/export/"),
        ("get", "digests/12/export", "digests/12/export/"),
    ],
)
def test_the_paths_without_their_trailing_slash_answer_308_to_it(world, method, old, new):
    """Every path ends with a slash now; the four that did not answer a 308, which keeps
    the method and body, so a client written for them carries on."""
    base = "/api/v1/tenants/acme/"
    response = getattr(world.client("editor"), method)(base + old)
    assert response.status_code == 308
    assert response["Location"] == base + new
