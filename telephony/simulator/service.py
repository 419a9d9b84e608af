"""The phone simulator: a driver for simulated calls, and each phone's SMS conversation from the log.

A call posts each step as a correctly signed request, exactly as Twilio would, and turns the TwiML answer
into readable German lines. The driver only needs a `post(url, params) -> xml` function, so tests and
the web page share it. The SMS side reads every volunteer's conversation with us from the message log.
"""

from __future__ import annotations

import secrets
import xml.etree.ElementTree as ET
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from core.phone import display
from core.settings import HOTLINE_NUMBER
from messaging.models import Message
from volunteers.registry.models import Volunteer

Post = Callable[[str, dict[str, str]], str]


@dataclass
class Line:
    kind: str  # shown as the line's label
    text: str


@dataclass
class Pending:
    """What the call waits for after the last answer."""

    verb: str  # "gather", "dial", "record", "connected" or "ended"
    action: str = ""
    numbers: list[tuple[str, str]] = field(default_factory=list)  # (number, screening url)
    declined: set[str] = field(default_factory=set)
    connected_to: str = ""


@dataclass
class SimulatedCall:
    call_sid: str
    caller: str
    base_url: str
    hotline: str  # the number called: FLUXX_HOTLINE_NUMBER
    lines: list[Line] = field(default_factory=list)
    pending: Pending = field(default_factory=lambda: Pending("ended"))
    reported_end: bool = False

    def params(self, **extra: str) -> dict[str, str]:
        base = {
            "AccountSid": "ACSIMULATOR", "ApiVersion": "2010-04-01", "CallSid": self.call_sid,
            "CallStatus": "in-progress", "Direction": "inbound", "From": self.caller, "Caller": self.caller,
            "To": self.hotline, "Called": self.hotline,
        }  # fmt: skip
        base.update(extra)
        return base


def _said(element: ET.Element) -> list[Line]:
    return [Line("Ansage", say.text or "") for say in element.iter("Say")]


def read_twiml(call: SimulatedCall, xml: str) -> None:
    """Turn one TwiML answer into lines and the next thing the call waits for."""
    root = ET.fromstring(xml)
    for verb in root:
        if verb.tag == "Say":
            call.lines.append(Line("Ansage", verb.text or ""))
        elif verb.tag == "Gather":
            call.lines.extend(_said(verb))
            what = "eine Taste oder ein gesprochenes Wort" if "speech" in verb.get("input", "") else "eine Taste"
            call.lines.append(Line("Menü", f"Wartet auf {what}."))
            call.pending = Pending("gather", action=verb.get("action", ""))
            return
        elif verb.tag == "Dial":
            numbers = [(n.text or "", n.get("url", "")) for n in verb.findall("Number")]
            shown = ", ".join(display(number) for number, _ in numbers) or display(verb.text)
            call.lines.append(Line("Klingeln", f"Es klingelt gleichzeitig bei: {shown}."))
            call.pending = Pending("dial", action=verb.get("action", ""), numbers=numbers)
            return
        elif verb.tag == "Record":
            seconds = verb.get("maxLength", "3600")
            text = f"Signalton – die Sprachnachricht wird aufgenommen (höchstens {seconds} s)."
            call.lines.append(Line("Aufnahme", text))
            call.pending = Pending("record", action=verb.get("action", ""))
            return
        elif verb.tag == "Hangup":
            break
    call.lines.append(Line("Ende", "Das Fluxxfon hat aufgelegt."))
    call.pending = Pending("ended")


class CallSimulator:
    """Drives one simulated call; `post` sends a signed webhook request and returns the TwiML."""

    def __init__(self, post: Post, *, hotline: str = HOTLINE_NUMBER) -> None:
        self.post = post
        self.hotline = hotline

    def start(self, base_url: str, caller: str) -> SimulatedCall:
        sid = "CASIM" + secrets.token_hex(15)
        call = SimulatedCall(call_sid=sid, caller=caller, base_url=base_url, hotline=self.hotline)
        call.lines.append(Line("Anruf", f"{display(caller)} ruft das Fluxxfon an."))
        read_twiml(call, self.post(f"{base_url}/twilio/voice/incoming", call.params(CallStatus="ringing")))
        self._report_end(call, 20)
        return call

    def answer_menu(self, call: SimulatedCall, *, digits: str = "", speech: str = "") -> None:
        if call.pending.verb != "gather":
            return
        said = f"Taste {digits}" if digits else (f"„{speech}“" if speech else "nichts")
        call.lines.append(Line("Anrufer", f"Antwortet: {said}."))
        extra = {"Digits": digits} if digits else {}
        if speech:
            extra |= {"SpeechResult": speech, "Confidence": "0.9"}
        read_twiml(call, self.post(call.pending.action, call.params(**extra)))
        self._report_end(call, 40)

    def staff_picks_up(self, call: SimulatedCall, number: str, *, presses_one: bool) -> None:
        """A staff phone answers: hear the whisper, then press 1 (connect) or nothing (declined)."""
        pending = call.pending
        urls = dict(pending.numbers)
        if pending.verb != "dial" or number not in urls or number in pending.declined:
            return
        leg = {"CallSid": "CASIMLEG" + secrets.token_hex(12), "ParentCallSid": call.call_sid,
               "Direction": "outbound-dial", "To": number, "Called": number}  # fmt: skip
        whisper = ET.fromstring(self.post(urls[number], call.params(**leg)))
        gather = whisper.find("Gather")
        heard = " ".join(line.text for line in _said(gather if gather is not None else whisper))
        call.lines.append(Line("Mitarbeitende", f"{display(number)} nimmt ab und hört: {heard}"))
        if gather is None:
            pending.declined.add(number)
            return
        extra = {"Digits": "1"} if presses_one else {}
        result = ET.fromstring(self.post(gather.get("action", ""), call.params(**leg, **extra)))
        texts = " ".join(line.text for line in _said(result))
        if result.find("Hangup") is None:
            call.lines.append(Line("Mitarbeitende", f"{display(number)} drückt 1: {texts}"))
            call.pending = Pending("connected", action=pending.action, connected_to=number)
            return
        pending.declined.add(number)
        call.lines.append(Line("Mitarbeitende", f"{display(number)} nimmt nicht an: {texts}"))

    def nobody_answers(self, call: SimulatedCall, status: str = "no-answer") -> None:
        if call.pending.verb != "dial":
            return
        call.lines.append(Line("Klingeln", "Niemand hat angenommen." if status == "no-answer" else "Besetzt."))
        read_twiml(call, self.post(call.pending.action, call.params(DialCallStatus=status)))
        self._report_end(call, 60)

    def end_conversation(self, call: SimulatedCall, seconds: int = 180) -> None:
        if call.pending.verb != "connected":
            return
        who = display(call.pending.connected_to)
        call.lines.append(Line("Gespräch", f"Gespräch mit {who} beendet ({seconds} s)."))
        params = call.params(DialCallStatus="completed", DialBridged="true", DialCallDuration=str(seconds))
        read_twiml(call, self.post(call.pending.action, params))
        self._report_end(call, seconds + 40)

    def leave_voicemail(self, call: SimulatedCall, *, api_url: str, seconds: int = 20) -> None:
        if call.pending.verb != "record":
            return
        recording_sid = "RE" + secrets.token_hex(16)
        url = f"{api_url}/2010-04-01/Accounts/ACSIMULATOR/Recordings/{recording_sid}"
        call.lines.append(Line("Anrufer", f"Spricht eine Nachricht von {seconds} Sekunden und drückt #."))
        params = call.params(RecordingUrl=url, RecordingSid=recording_sid, RecordingDuration=str(seconds), Digits="#")
        read_twiml(call, self.post(call.pending.action, params))
        self._report_end(call, seconds + 60)

    def hang_up(self, call: SimulatedCall) -> None:
        if call.pending.verb == "ended":
            return
        call.lines.append(Line("Anrufer", "Legt auf."))
        call.pending = Pending("ended")
        self._report_end(call, 30)

    def _report_end(self, call: SimulatedCall, seconds: int) -> None:
        """Once the call has ended, Twilio reports it to the status callback, once."""
        if call.pending.verb != "ended" or call.reported_end:
            return
        call.reported_end = True
        params = call.params(CallStatus="completed", CallDuration=str(seconds))
        self.post(f"{call.base_url}/twilio/voice/status", params)


@dataclass(frozen=True)
class Phone:
    """A simulated phone: a volunteer's, or any other number someone typed in."""

    number: str
    name: str | None
    message_count: int


def phones(db: Session) -> list[Phone]:
    """Every volunteer's phone with how many SMS it holds, busiest first, then by name."""
    counts = (
        select(Volunteer.phone, func.count(Message.id).label("n"))
        .join(Message, or_(Message.to_number == Volunteer.phone, Message.from_number == Volunteer.phone))
        .group_by(Volunteer.phone)
        .subquery()
    )
    rows = db.execute(
        select(Volunteer.phone, Volunteer.name, func.coalesce(counts.c.n, 0))
        .outerjoin(counts, counts.c.phone == Volunteer.phone)
        .order_by(func.coalesce(counts.c.n, 0).desc(), Volunteer.name)
    )
    return [Phone(number=number, name=name, message_count=count) for number, name, count in rows]


def conversation(db: Session, *, number: str, limit: int = 200) -> list[Message]:
    """Everything we sent to and received from `number`, oldest first, like a phone shows it."""
    query = (
        select(Message)
        .where(or_(Message.to_number == number, Message.from_number == number))
        .order_by(Message.created_at.desc(), Message.id.desc())
        .limit(limit)
    )
    return list(reversed(db.scalars(query).all()))


def name_for(db: Session, number: str) -> str | None:
    return db.scalar(select(Volunteer.name).where(Volunteer.phone == number))
