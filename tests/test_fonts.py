"""The three faces of the reports: installed by pip, families read from the files."""
from kadai import fonts


def test_the_pip_faces_are_chosen_by_the_family_in_their_name_table():
    choice = fonts.choose()
    faces = choice["faces"]
    assert choice["notes"] == []  # pyproject.toml installs all three
    assert faces["body"]["family"] == "Noto Serif JP" and faces["body"]["source"] == "pip: pylopdf_fonts_jp"
    assert faces["heading"]["family"] == "IPAexGothic"
    assert faces["mono"]["family"] == "Noto Sans Mono CJK JP"
    # a collection: the face is the one with the wanted family, not the file's first
    assert faces["mono"]["file"].endswith(".ttc") and faces["mono"]["index"] > 0
    assert [f["family"] for f in fonts.faces_in(faces["body"]["file"])] == ["Noto Serif JP"]


def test_without_the_pip_faces_the_fallback_is_said(monkeypatch):
    monkeypatch.setitem(fonts.PIP, "body", [("no_such_package", "x.otf")])
    monkeypatch.setitem(fonts.PIP, "mono", [("no_such_package", "x.ttc")])
    choice = fonts.choose(system_files=[])
    assert choice["faces"]["body"]["family"] == "IPAexGothic"  # the Gothic heading face, said so
    assert any(n.startswith("body: Noto Serif JP is not installed") for n in choice["notes"])
    assert "mono: none of" in " ".join(choice["notes"])


def test_a_system_mincho_is_used_when_pip_has_none(monkeypatch):
    real = fonts._pip_file("pylopdf_fonts_jp", "NotoSerifJP-Regular.otf")  # offered as if the OS had it
    monkeypatch.setitem(fonts.PIP, "body", [("no_such_package", "x.otf")])
    body = fonts.choose(system_files=[real])["faces"]["body"]
    assert (body["family"], body["source"]) == ("Noto Serif JP", "system")


def test_missing_names_the_roles_not_embedded():
    choice = fonts.choose()
    embedded = [choice["faces"]["heading"]["postscript"]]
    assert fonts.missing(choice, embedded) == ["body", "mono"]
