"""Migration 0023 splits the names of the cases that exist already into their words, and can be undone."""

from alembic import command
from sqlalchemy import inspect, text

from core.db import make_engine
from fluxx.migrate import alembic_config, upgrade

INSERT_CASE = (
    'INSERT INTO "case" (number, year, seq, opened_at, channel, caller_name, caller_name_search, status, '
    "callback_needed, affiliation, created_at, updated_at) VALUES (:number, 2026, :seq, '2026-03-01 10:00:00', "
    "'phone', :name, :key, 'new', 0, 'none', '2026-03-01 10:00:00', '2026-03-01 10:00:00')"
)


def test_existing_names_get_their_words_and_the_table_goes_on_downgrade(tmp_path):
    url = f"sqlite:///{tmp_path / 'words.db'}"
    command.upgrade(alembic_config(url), "0022")
    engine = make_engine(url)
    with engine.begin() as connection:
        for seq, name in ((1, "Lena Maria Müller"), (2, None), (3, "Öztürk")):
            key = name.casefold() if name else None
            connection.execute(text(INSERT_CASE), {"number": f"2026-{seq:06d}", "seq": seq, "name": name, "key": key})
    engine.dispose()

    command.upgrade(alembic_config(url), "0023")

    engine = make_engine(url)
    with engine.connect() as connection:
        rows = connection.execute(text(
            'SELECT c.seq, w.suffix FROM case_name_word w JOIN "case" c ON c.id = w.case_id ORDER BY c.seq, w.suffix'
        )).all()  # fmt: skip
        indexes = {index["name"] for index in inspect(connection).get_indexes("case_name_word")}
    engine.dispose()
    assert rows == [(1, "lena maria müller"), (1, "maria müller"), (1, "müller"), (3, "öztürk")]
    assert "ix_case_name_word_suffix" in indexes

    command.downgrade(alembic_config(url), "0022")
    engine = make_engine(url)
    with engine.connect() as connection:
        assert "case_name_word" not in inspect(connection).get_table_names()
        assert connection.execute(text('SELECT count(*) FROM "case"')).scalar() == 3
    engine.dispose()
    upgrade(url)
