import pytest

from volunteers.reply_parser import ReplyKind, normalise, parse


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("STOP", ReplyKind.OPT_OUT),
        ("stopp", ReplyKind.OPT_OUT),
        (" Stopp! ", ReplyKind.OPT_OUT),
        ("ABMELDEN", ReplyKind.OPT_OUT),
        ("start", ReplyKind.OPT_IN),
        ("Hilfe?", ReplyKind.HELP),
        ("HILFE 🙏", ReplyKind.HELP),
        ("Start ist um 9?", ReplyKind.OTHER),
        ("Bitte nicht stoppen", ReplyKind.OTHER),
        ("", ReplyKind.OTHER),
    ],
)
def test_keywords_count_only_as_the_whole_message(text, kind):
    assert parse(text).kind == kind


def test_normalising_drops_surrounding_punctuation_and_emoji_but_keeps_umlauts():
    assert normalise("  ...Grüße!! 😊 ") == "GRÜSSE"
