#!/usr/bin/env python3
"""Turns Weimar Jazz Database solo exports (CSV) into MIDI files with chord markers.

The Weimar Jazz Database (WJazzD, the Jazzomat Research Project, HfM Weimar) publishes
456 transcribed jazz solos with a beat track: the time of every beat, its bar and beat
number, the meter and the chord symbol sounding on it. Several research repositories
carry CSV exports of it; this script reads two layouts:

  * the Jazz Transformer's (github.com/slSeanWU/jazz_transformer):
      SRC/mcsv_melody/<Name>_FINAL.csv   and   SRC/mcsv_beat/<Name>_FINAL_beattrack.csv
  * MINGUS's (github.com/vincenzomadaghiele/MINGUS, A_preprocessData/data/WjazzDBcsv):
      SRC/csv_melody/<Name>_Solo.csv     and   SRC/csv_beats/<Name>_Solo.csv

<Name> is Performer_Title, e.g. ArtPepper_Anthropology.

Each solo becomes one format-1 MIDI file (480 ticks per quarter):
  * a conductor track: the title, a tempo per beat taken from the beat times (so the file
    plays back at the recorded, drifting tempo; --tempo average writes one tempo), the time
    signature and its changes, and a marker per chord change holding the database's own
    chord symbol, untranslated (Cj7, F-7, Bb79b, Ebj7911#, NC ...);
  * the solo on its own track, named after the performer and instrument, with the GM
    program of the instrument. Onsets and durations keep the played timing: a note played
    40% of the way from beat 3 to beat 4 lands 40% of the way between their ticks
    (--quantize places it on the annotated metrical grid instead).

Options for files in other shapes (to exercise importers):
  --comp        add a piano comping track voiced from the chord symbols
  --comp-low    voice that piano low (left-hand roots under 48), so it is the lowest part
  --bass        add a bass track from the beat track's bass pitches (or the chord roots)
  --type0       write one format-0 track: solo on channel 1, piano 2, bass 3
  --no-markers  leave the chord symbols out (chords must then be estimated)

Usage:
  python3 scripts/wjd_to_midi.py SRC OUT [NAME ...] [options]
      converts the named solos (all solos in SRC when none is named) into OUT/<Name>.mid
  python3 scripts/wjd_to_midi.py SRC OUT --devset
      writes improv's development set: OUT/train and OUT/test (the lists are below; the
      test solos are of tunes no train solo plays)

  SRC is the directory that holds the two CSV folders, e.g. a checkout of the Jazz
  Transformer repository. Existing files are not overwritten unless --force is given.
  Python 3.8+, standard library only.

Licence of the data: the WJazzD is made available under the Open Database License (ODbL
1.0); rights in its individual contents under the Database Contents License (DbCL 1.0).
See assets/README.md before redistributing files made with this script.
"""

import argparse
import csv
import os
import re
import statistics
import struct
import sys
import tempfile

PPQ = 480

# Instrument of each performer, for the GM program and the track name. Players who play
# more than one instrument in the database (e.g. tenor and soprano) are left out; give
# --instrument for their solos.
INSTRUMENTS = {
    "alto sax": (65, "ArtPepper BennyCarter CannonballAdderley CharlieParker JohnnyHodges "
                 "KennyGarrett LeeKonitz OrnetteColeman PaulDesmond PhilWoods SteveColeman"),
    "tenor sax": (66, "BenWebster BobBerg ChrisPotter ChuBerry ColemanHawkins DavidMurray "
                  "DexterGordon DonByas GeorgeColeman HankMobley JoeHenderson JoeLovano "
                  "JoshuaRedman LesterYoung MichaelBrecker SonnyRollins StanGetz VonFreeman "
                  "WarneMarsh ZootSims"),
    "soprano sax": (64, "SidneyBechet SteveLacy"),
    "baritone sax": (67, "GerryMulligan PepperAdams"),
    "trumpet": (56, "BuckClayton CharlieShavers ChetBaker CliffordBrown DizzyGillespie "
                "DonEllis FatsNavarro FreddieHubbard HarryEdison HenryAllen KennyDorham "
                "KennyWheeler LeeMorgan LouisArmstrong MilesDavis RoyEldridge WoodyShaw "
                "WyntonMarsalis"),
    "cornet": (56, "BixBeiderbecke NatAdderley RexStewart"),
    "trombone": (57, "CurtisFuller DickieWells JCHigginbotham JJJohnson KaiWinding KidOry "
                 "SteveTurre"),
    "clarinet": (71, "BennyGoodman JohnnyDodds"),
    "vibraphone": (11, "LionelHampton MiltJackson"),
    "guitar": (26, "JohnAbercrombie PatMartino PatMetheny"),
    "piano": (0, "HerbieHancock RedGarland"),
}
PERFORMER_INSTRUMENT = {
    p: (inst, prog) for inst, (prog, names) in INSTRUMENTS.items() for p in names.split()
}

# improv's development set: 4/4 solos with chords on nearly every beat, many instruments
# and eras. No test solo plays a tune that a train solo plays.
DEVSET_TRAIN = """
ArtPepper_Anthropology ArtPepper_BluesForBlanche ArtPepper_InAMellowTone
BennyCarter_JustFriends BennyCarter_SweetLorraine CannonballAdderley_HighFly
CannonballAdderley_StarEyes CannonballAdderley_WorkSong CharlieParker_Billie'sBounce
CharlieParker_BluesForAlice CharlieParker_Ko=Ko CharlieParker_Ornithology
CharlieParker_ScrappleFromTheApple CharlieParker_YardbirdSuite CharlieParker_Segment
LeeKonitz_I'llRememberApril LeeKonitz_MeanToMe PhilWoods_BeMyLove PhilWoods_CottonTail
PaulDesmond_BossaAntigua JohnnyHodges_Bunny
BenWebster_ByeByeBlackbird ColemanHawkins_BodyAndSoul ColemanHawkins_Perdido
DexterGordon_Montmartre DexterGordon_SocietyRed DonByas_Be=Bop HankMobley_LadyBird
HankMobley_Remember JoeHenderson_In'NOut-2 JoeHenderson_Serenity JoeLovano_Work
LesterYoung_D.B.Blues LesterYoung_AfterTheatreJump MichaelBrecker_IMeanYou
MichaelBrecker_DeltaCityBlues SonnyRollins_Airegin SonnyRollins_TenorMadness
SonnyRollins_BlueSeven-1 ZootSims_NightAndDay-1 BobBerg_NoMoe ChrisPotter_Anthropology
JoshuaRedman_HomeFries
ChetBaker_JustFriends ChetBaker_Let'sGetLost CliffordBrown_Daahoud CliffordBrown_Jordu
CliffordBrown_I'llRememberApril DizzyGillespie_Be=Bop DizzyGillespie_Groovin'High
FatsNavarro_DoubleTalk FatsNavarro_OurDelight FreddieHubbard_MaidenVoyage
FreddieHubbard_DolphinDance KennyDorham_LadyBird LeeMorgan_JustOneOfThoseThings
MilesDavis_Oleo-1 MilesDavis_Walkin' MilesDavis_SoWhat RoyEldridge_Undecided
WyntonMarsalis_Cherokee WoodyShaw_DatDere BuckClayton_DestinationK.C.
LouisArmstrong_BigButterAndEggMan
JJJohnson_Walkin' JJJohnson_Teapot CurtisFuller_BlueTrain DickieWells_IGotRhythm
SteveTurre_IfIWereABell
BennyGoodman_Avalon BennyGoodman_TigerRag-1 JohnnyDodds_HotterThanThat
GerryMulligan_ScrappleFromTheApple PepperAdams_JustOneOfThoseThings
LionelHampton_Dinah MiltJackson_SoftlyAsInAMorningSunrise PatMartino_AlongCameBetty
""".split()
DEVSET_TEST = """
CliffordBrown_JoySpring CharlieParker_DonnaLee SonnyRollins_St.Thomas-1
DexterGordon_Cheesecake JJJohnson_MyFunnyValentine MilesDavis_TuneUp
ChetBaker_You'dBeSoNiceToComeHomeTo PaulDesmond_AloneTogether
LeeKonitz_AllTheThingsYouAre HankMobley_SoulStation MiltJackson_BemshaSwing
GerryMulligan_WalkingShoes LouisArmstrong_BasinStreetBlues KennyDorham_PrinceAlbert
LesterYoung_LesterLeapsIn JoeHenderson_TheSidewinder WoodyShaw_Rosewood
""".split()

LAYOUTS = [
    ("mcsv_melody", "_FINAL.csv", "mcsv_beat", "_FINAL_beattrack.csv"),
    ("csv_melody", "_Solo.csv", "csv_beats", "_Solo.csv"),
]


class SoloError(Exception):
    """A solo that cannot be converted; the message names the file and the cause."""


# ---------------------------------------------------------------------------------------
# Reading the exports


def find_layout(src):
    for mel_dir, mel_suffix, beat_dir, beat_suffix in LAYOUTS:
        if os.path.isdir(os.path.join(src, mel_dir)) and os.path.isdir(
            os.path.join(src, beat_dir)
        ):
            return mel_dir, mel_suffix, beat_dir, beat_suffix
    sys.exit(f"{src}: holds neither mcsv_melody/ + mcsv_beat/ nor csv_melody/ + csv_beats/")


def solo_names(src):
    mel_dir, mel_suffix, _, _ = find_layout(src)
    return sorted(
        f[: -len(mel_suffix)]
        for f in os.listdir(os.path.join(src, mel_dir))
        if f.endswith(mel_suffix)
    )


def read_rows(path):
    try:
        with open(path, newline="", encoding="utf-8") as f:
            return list(csv.DictReader(f))
    except OSError as e:
        raise SoloError(f"{path}: {e.strerror}") from None


def number(row, key, path, default=None):
    value = (row.get(key) or "").strip()
    if value == "":
        if default is not None:
            return default
        raise SoloError(f"{path}: a row has no {key!r}")
    try:
        return float(value)
    except ValueError:
        raise SoloError(f"{path}: {key} {value!r} is not a number") from None


def parse_signature(text, period):
    """'4/4' (quoted any way) → (4, 4); else the beats per bar over a quarter."""
    m = re.search(r"(\d+)\s*/\s*(\d+)", text or "")
    if m and int(m.group(1)) > 0 and int(m.group(2)) in (2, 4, 8, 16):
        return int(m.group(1)), int(m.group(2))
    return max(1, int(period)), 4


def read_beats(path):
    """The beat track: [(seconds, bar, beat, (num, den), chord or None, bass or None)]."""
    beats = []
    chord = None
    sig = None
    for row in read_rows(path):
        period = number(row, "period", path, default=0) or (sig[0] if sig else 4)
        text = (row.get("signature") or "").strip()
        if text or sig is None:
            sig = parse_signature(text, period)
        symbol = (row.get("chord") or "").strip()
        if symbol:
            chord = symbol
        bass = (row.get("bass") or row.get("bass_pitch") or "").strip()
        beats.append(
            (
                number(row, "onset", path),
                int(number(row, "bar", path)),
                int(number(row, "beat", path)),
                sig,
                chord,
                int(float(bass)) if bass else None,
            )
        )
    if len(beats) < 2:
        raise SoloError(f"{path}: fewer than two beats")
    return beats


def read_melody(path):
    """Notes: [(seconds, duration, pitch, velocity, (bar, beat, tatum, division) or None)]."""
    notes = []
    for row in read_rows(path):
        pitch = int(round(number(row, "pitch", path)))
        if not 0 <= pitch <= 127:
            raise SoloError(f"{path}: pitch {pitch} is outside MIDI's 0-127")
        loud = (row.get("loud_median") or "").strip()
        velocity = 90
        if loud:
            try:
                velocity = max(40, min(120, round(90 + (float(loud) - 66.0) * 3)))
            except ValueError:
                pass
        grid = None
        if row.get("tatum") and row.get("division"):
            grid = tuple(int(number(row, k, path)) for k in ("bar", "beat", "tatum", "division"))
        notes.append(
            (number(row, "onset", path), number(row, "duration", path), pitch, velocity, grid)
        )
    if not notes:
        raise SoloError(f"{path}: no notes")
    notes.sort(key=lambda n: n[0])
    return notes


# ---------------------------------------------------------------------------------------
# Seconds → ticks through the beat grid


class Grid:
    """Ticks of the beats, and the mapping of played seconds onto them."""

    def __init__(self, beats):
        self.times = [b[0] for b in beats]
        self.ticks = []
        self.sigs = []  # (tick, num, den) at each change
        first = beats[0]
        num, den = first[3]
        unit = PPQ * 4 // den
        tick = (first[2] - 1) * unit  # the first bar starts at tick 0
        prev = None
        for i, (t, bar, beat, sig, _, _) in enumerate(beats):
            if i > 0:
                steps = 1
                if bar == prev[1] and beat > prev[2]:
                    steps = beat - prev[2]
                elif bar > prev[1]:
                    steps = (prev[3][0] - prev[2] + 1) + (bar - prev[1] - 1) * prev[3][0] + beat - 1
                tick += max(1, steps) * PPQ * 4 // prev[3][1]
            if beat == 1 and (not self.sigs or self.sigs[-1][1:] != sig):
                self.sigs.append((tick, sig[0], sig[1]))
            self.ticks.append(tick)
            prev = (t, bar, beat, sig)
        if not self.sigs:
            self.sigs.append((0, num, den))
        self.sigs[0] = (0,) + self.sigs[0][1:]
        self.by_bar_beat = {(b[1], b[2]): tk for b, tk in zip(beats, self.ticks)}

    def tick_at(self, seconds):
        """Played time → tick, linear between the two beats around it (extrapolated out)."""
        times, ticks = self.times, self.ticks
        lo, hi = 0, len(times) - 1
        if seconds <= times[0]:
            i = 0
        elif seconds >= times[-1]:
            i = len(times) - 2
        else:
            while hi - lo > 1:
                mid = (lo + hi) // 2
                if times[mid] <= seconds:
                    lo = mid
                else:
                    hi = mid
            i = lo
        span = max(times[i + 1] - times[i], 1e-3)
        return ticks[i] + (seconds - times[i]) / span * (ticks[i + 1] - ticks[i])

    def us_per_quarter(self, i):
        """Tempo of beat i (µs per quarter note) from the time to the next beat."""
        j = min(i, len(self.times) - 2)
        secs = self.times[j + 1] - self.times[j]
        dticks = self.ticks[j + 1] - self.ticks[j]
        return max(1, min(0xFFFFFF, round(secs * 1e6 * PPQ / max(dticks, 1))))


# ---------------------------------------------------------------------------------------
# Chord symbols (only to voice the optional piano and bass; markers keep the raw text)

NOTE = {"C": 0, "D": 2, "E": 4, "F": 5, "G": 7, "A": 9, "B": 11}


def pitch_class(text):
    m = re.match(r"([A-G])([#b]*)", text)
    if not m:
        return None
    return (NOTE[m.group(1)] + m.group(2).count("#") - m.group(2).count("b")) % 12, m.end()


def chord_tones(symbol):
    """WJazzD spelling → (root pc, bass pc, intervals above the root), or None for NC."""
    if not symbol or symbol.upper() in ("NC", "N.C."):
        return None
    parsed = pitch_class(symbol)
    if parsed is None:
        return None
    root, at = parsed
    rest, bass = symbol[at:], root
    if "/" in rest:
        rest, slash = rest.split("/", 1)
        b = pitch_class(slash)
        if b:
            bass = b[0]
    if rest.startswith("m7b5"):
        tones, rest = [0, 3, 6, 10], rest[4:]
    elif rest.startswith("-"):
        tones, rest = [0, 3, 7], rest[1:]
    elif rest.startswith("o"):
        tones, rest = ([0, 3, 6, 9], rest[2:]) if rest.startswith("o7") else ([0, 3, 6], rest[1:])
    elif rest.startswith("+"):
        tones, rest = [0, 4, 8], rest[1:]
    elif rest.startswith("sus"):
        tones, rest = [0, 5, 7], rest[3:]
    else:
        tones = [0, 4, 7]
    if rest.startswith("j7"):
        tones.append(11)
        rest = rest[2:]
    elif rest.startswith("69"):
        tones += [9, 14]
        rest = rest[2:]
    elif rest.startswith("6"):
        tones.append(9)
        rest = rest[1:]
    elif rest.startswith("7"):
        tones.append(10)
        rest = rest[1:]
    if rest.startswith("alt"):
        tones = [0, 4, 10, 13, 15, 20]
        rest = rest[3:]
    for ext, acc in re.findall(r"(9|11|13)([b#]?)", rest):
        tones.append({"9": 14, "11": 17, "13": 21}[ext] + {"b": -1, "#": 1, "": 0}[acc])
    return root, bass, sorted(set(tones))


def voicing(symbol, low):
    """Piano voicing: a left-hand root (or slash bass) and three or four tones above it."""
    parsed = chord_tones(symbol)
    if parsed is None:
        return []
    root, bass, tones = parsed
    floor = 36 if low else 48
    left = floor + (bass - floor) % 12
    upper = [t for t in tones if t % 12 != 0] or tones
    # Colour first: 3rd and 7th (or 6th), then the tensions, then the fifth.
    upper.sort(key=lambda t: (t % 12 not in (3, 4, 9, 10, 11), t % 12 == 7, t))
    start = left + (3 if low else 5)
    notes = []
    for t in upper[:4]:
        p = start + (root + t - start) % 12
        notes.append(p)
    return [left] + sorted(notes)


# ---------------------------------------------------------------------------------------
# Building the tracks


def melody_events(notes, grid, quantize, channel):
    """Note-on/off events of the solo, monophonic (each note ends by the next onset)."""
    placed = []
    for secs, dur, pitch, vel, pos in notes:
        start = grid.tick_at(secs)
        if quantize and pos and (pos[0], pos[1]) in grid.by_bar_beat:
            bar, beat, tatum, division = pos
            start = grid.by_bar_beat[(bar, beat)] + (tatum - 1) * PPQ / max(division, 1)
        end = grid.tick_at(secs + dur)
        placed.append([round(start), max(round(end), round(start) + 1), pitch, vel])
    placed.sort()
    for a, b in zip(placed, placed[1:]):
        if a[1] > b[0]:
            a[1] = max(a[0] + 1, b[0])
    events = []
    for start, end, pitch, vel in placed:
        events.append((start, 1, bytes([0x90 | channel, pitch, vel])))
        events.append((end, 0, bytes([0x80 | channel, pitch, 0])))
    return events, placed


def chord_changes(beats, grid):
    """(tick, symbol) at every beat whose chord differs from the previous beat's."""
    out, last = [], None
    for b, tick in zip(beats, grid.ticks):
        if b[4] is not None and b[4] != last:
            out.append((tick, b[4]))
            last = b[4]
    return out


def comp_events(beats, grid, channel, low):
    """Piano hits on beats 1 and 3 and on every chord change, held until the next hit."""
    hits = []
    last = None
    for i, (b, tick) in enumerate(zip(beats, grid.ticks)):
        if b[4] is None:
            continue
        if b[4] != last or b[2] in (1, 3):
            hits.append((tick, b[4]))
        last = b[4]
    events = []
    for k, (tick, symbol) in enumerate(hits):
        nxt = hits[k + 1][0] if k + 1 < len(hits) else tick + 2 * PPQ
        end = tick + max(PPQ // 2, min(nxt - tick, 3 * PPQ // 2) - 20)
        for p in voicing(symbol, low):
            events.append((tick, 1, bytes([0x90 | channel, p, 64])))
            events.append((end, 0, bytes([0x80 | channel, p, 0])))
    return events


def bass_events(beats, grid, channel):
    """A quarter-note bass line: the database's bass pitch per beat, else the chord root."""
    events = []
    for i, (b, tick) in enumerate(zip(beats, grid.ticks)):
        pitch = b[5]
        if pitch is None:
            parsed = chord_tones(b[4])
            if parsed is None:
                continue
            pitch = 36 + parsed[1]
        while pitch > 55:
            pitch -= 12
        while pitch < 28:
            pitch += 12
        nxt = grid.ticks[i + 1] if i + 1 < len(grid.ticks) else tick + PPQ
        events.append((tick, 1, bytes([0x90 | channel, pitch, 80])))
        events.append((tick + max(1, nxt - tick - 30), 0, bytes([0x80 | channel, pitch, 0])))
    return events


def meta(kind, data):
    return bytes([0xFF, kind]) + varlen(len(data)) + data


def text(s):
    return s.encode("utf-8", "replace")


def conductor_events(title, grid, changes, tempo_mode, markers):
    events = [(0, 0, meta(0x03, text(title)))]
    for tick, num, den in grid.sigs:
        events.append((tick, 0, meta(0x58, bytes([num, den.bit_length() - 1, 24, 8]))))
    if tempo_mode == "average":
        us = round(statistics.median(grid.us_per_quarter(i) for i in range(len(grid.ticks))))
        events.append((0, 0, meta(0x51, us.to_bytes(3, "big"))))
    else:
        last = None
        for i, tick in enumerate(grid.ticks):
            us = grid.us_per_quarter(i)
            if us != last:
                events.append((tick if i else 0, 0, meta(0x51, us.to_bytes(3, "big"))))
                last = us
    if markers:
        for tick, symbol in changes:
            events.append((tick, 0, meta(0x06, text(symbol))))
    return events


# ---------------------------------------------------------------------------------------
# Standard MIDI File bytes


def varlen(n):
    out = [n & 0x7F]
    n >>= 7
    while n:
        out.append((n & 0x7F) | 0x80)
        n >>= 7
    return bytes(reversed(out))


def track_chunk(events):
    """events: (tick, order, bytes); at one tick, order 0 (offs, meta) before 1 (ons)."""
    data = bytearray()
    now = 0
    for tick, _, ev in sorted(events, key=lambda e: (e[0], e[1])):
        tick = max(0, int(tick))
        data += varlen(tick - now) + ev
        now = tick
    data += b"\x00\xff\x2f\x00"
    return b"MTrk" + struct.pack(">I", len(data)) + bytes(data)


def smf(tracks, fmt):
    head = b"MThd" + struct.pack(">IHHH", 6, fmt, len(tracks), PPQ)
    return head + b"".join(track_chunk(t) for t in tracks)


def write_atomic(path, data, force):
    if os.path.exists(path) and not force:
        raise SoloError(f"{path}: exists (give --force to replace it)")
    fd, tmp = tempfile.mkstemp(dir=os.path.dirname(path) or ".", suffix=".tmp")
    with os.fdopen(fd, "wb") as f:
        f.write(data)
    os.replace(tmp, path)


# ---------------------------------------------------------------------------------------


def split_camel(s):
    s = re.sub(r"(?<=[a-z.])(?=[A-Z])", " ", s)
    return re.sub(r"(?<=[A-Z])(?=[A-Z][a-z])", " ", s)


def convert(src, name, out_dir, args):
    mel_dir, mel_suffix, beat_dir, beat_suffix = find_layout(src)
    notes = read_melody(os.path.join(src, mel_dir, name + mel_suffix))
    beats = read_beats(os.path.join(src, beat_dir, name + beat_suffix))
    performer, _, title = name.partition("_")
    inst, program = PERFORMER_INSTRUMENT.get(performer, ("solo", 0))
    if args.instrument:
        inst, program = args.instrument, args.program
    grid = Grid(beats)
    changes = chord_changes(beats, grid)
    solo, placed = melody_events(notes, grid, args.quantize, 0)
    # Notes played before the first annotated beat: move everything on by whole bars.
    first = min(p[0] for p in placed)
    if first < 0:
        bar = grid.sigs[0][1] * PPQ * 4 // grid.sigs[0][2]
        shift = -(first // bar) * bar
        grid.ticks = [t + shift for t in grid.ticks]
        grid.sigs = [(0, grid.sigs[0][1], grid.sigs[0][2])] + [
            (t + shift, n, d) for t, n, d in grid.sigs[1:]
        ]
        grid.by_bar_beat = {k: v + shift for k, v in grid.by_bar_beat.items()}
        changes = chord_changes(beats, grid)
        solo, placed = melody_events(notes, grid, args.quantize, 0)
    full_title = f"{split_camel(title)} ({split_camel(performer)})"
    conductor = conductor_events(
        full_title, grid, changes, args.tempo, markers=not args.no_markers
    )
    solo_name = f"{split_camel(performer)} ({inst})"
    solo_track = [(0, 0, meta(0x03, text(solo_name))), (0, 0, bytes([0xC0, program]))] + solo
    parts = [solo_track]
    if args.comp or args.comp_low:
        comp = [(0, 0, meta(0x03, b"Piano")), (0, 0, bytes([0xC1, 0]))]
        parts.append(comp + comp_events(beats, grid, 1, args.comp_low))
    if args.bass:
        bass = [(0, 0, meta(0x03, b"Bass")), (0, 0, bytes([0xC2, 32]))]
        parts.append(bass + bass_events(beats, grid, 2))
    if args.type0:
        merged = conductor + [e for p in parts for e in p if not e[2].startswith(b"\xff\x03")]
        data = smf([merged], 0)
    else:
        data = smf([conductor] + parts, 1)
    safe = re.sub(r"[^A-Za-z0-9._=-]", "", name)
    path = os.path.join(out_dir, safe + ".mid")
    write_atomic(path, data, args.force)
    return path, len(placed), len(changes)


def main():
    ap = argparse.ArgumentParser(
        description="Weimar Jazz Database CSV exports → MIDI files with chord markers."
    )
    ap.add_argument("src", help="directory holding mcsv_melody/ + mcsv_beat/ (or csv_melody/ + csv_beats/)")
    ap.add_argument("out", help="directory to write into (created if missing)")
    ap.add_argument("names", nargs="*", help="solos to convert, e.g. ArtPepper_Anthropology")
    ap.add_argument("--devset", action="store_true", help="write improv's train/ and test/ sets")
    ap.add_argument("--tempo", choices=["beats", "average"], default="beats")
    ap.add_argument("--quantize", action="store_true", help="onsets on the annotated grid")
    ap.add_argument("--comp", action="store_true", help="add a piano voiced from the chords")
    ap.add_argument("--comp-low", action="store_true", help="the same piano, voiced low")
    ap.add_argument("--bass", action="store_true", help="add a bass track")
    ap.add_argument("--type0", action="store_true", help="one format-0 track, parts by channel")
    ap.add_argument("--no-markers", action="store_true", help="leave the chord symbols out")
    ap.add_argument("--instrument", help="instrument name for the solo track")
    ap.add_argument("--program", type=int, default=0, help="GM program with --instrument")
    ap.add_argument("--force", action="store_true", help="replace existing files")
    args = ap.parse_args()

    if args.devset:
        jobs = [(os.path.join(args.out, "train"), DEVSET_TRAIN),
                (os.path.join(args.out, "test"), DEVSET_TEST)]
    else:
        jobs = [(args.out, args.names or solo_names(args.src))]
    failed = 0
    for out_dir, names in jobs:
        os.makedirs(out_dir, exist_ok=True)
        for name in names:
            try:
                path, n, c = convert(args.src, name, out_dir, args)
                print(f"{path}: {n} notes, {c} chord changes")
            except SoloError as e:
                print(f"skipped {name}: {e}", file=sys.stderr)
                failed += 1
    if failed:
        sys.exit(f"{failed} solo(s) not converted")


if __name__ == "__main__":
    main()
