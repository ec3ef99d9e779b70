//! The database's instruments: its codes (`ts`, `tp` …) and, for the CSV exports that lack
//! them, each performer's, with the General MIDI program of each.

/// (database code, name, GM program).
const CODES: &[(&str, &str, u8)] = &[
    ("as", "alto sax", 65),
    ("ts", "tenor sax", 66),
    ("ss", "soprano sax", 64),
    ("bs", "baritone sax", 67),
    ("ts-c", "c-melody sax", 66),
    ("tp", "trumpet", 56),
    ("cor", "cornet", 56),
    ("flh", "flugelhorn", 56),
    ("tb", "trombone", 57),
    ("cl", "clarinet", 71),
    ("bcl", "bass clarinet", 71),
    ("vib", "vibraphone", 11),
    ("p", "piano", 0),
    ("g", "guitar", 26),
    ("fl", "flute", 73),
];

/// Players who play one instrument in the database, for the CSV exports.
const PERFORMERS: &[(&str, &str)] = &[
    (
        "as",
        "ArtPepper BennyCarter CannonballAdderley CharlieParker JohnnyHodges KennyGarrett \
         LeeKonitz OrnetteColeman PaulDesmond PhilWoods SteveColeman",
    ),
    (
        "ts",
        "BenWebster BobBerg ChrisPotter ChuBerry ColemanHawkins DavidMurray DexterGordon \
         DonByas GeorgeColeman HankMobley JoeHenderson JoeLovano JoshuaRedman LesterYoung \
         MichaelBrecker SonnyRollins StanGetz VonFreeman WarneMarsh ZootSims",
    ),
    ("ss", "SidneyBechet SteveLacy"),
    ("bs", "GerryMulligan PepperAdams"),
    (
        "tp",
        "BuckClayton CharlieShavers ChetBaker CliffordBrown DizzyGillespie DonEllis \
         FatsNavarro FreddieHubbard HarryEdison HenryAllen KennyDorham KennyWheeler LeeMorgan \
         LouisArmstrong MilesDavis RoyEldridge WoodyShaw WyntonMarsalis",
    ),
    ("cor", "BixBeiderbecke NatAdderley RexStewart"),
    (
        "tb",
        "CurtisFuller DickieWells JCHigginbotham JJJohnson KaiWinding KidOry SteveTurre",
    ),
    ("cl", "BennyGoodman JohnnyDodds"),
    ("vib", "LionelHampton MiltJackson"),
    ("g", "JohnAbercrombie PatMartino PatMetheny"),
    ("p", "HerbieHancock RedGarland"),
];

/// A database instrument code → (name, GM program); unknown codes keep their text.
pub fn by_code(code: &str) -> (String, u8) {
    let code = code.trim();
    CODES
        .iter()
        .find(|(c, _, _)| c.eq_ignore_ascii_case(code))
        .map_or((code.to_string(), 0), |&(_, name, program)| {
            (name.to_string(), program)
        })
}

/// A performer of the CSV exports (`ArtPepper`) → (name, GM program), when known.
pub fn by_performer(squashed: &str) -> Option<(String, u8)> {
    PERFORMERS
        .iter()
        .find(|(_, names)| names.split_whitespace().any(|n| n == squashed))
        .map(|(code, _)| by_code(code))
}
