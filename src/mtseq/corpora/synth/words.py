"""Closed and small open classes: adjectives, adverbs, names, prepositions, subordinators.

Adjective line: ``english | deutsch[/stem] [; tag=other[/stem]] | category | noun tags``
(the alternative is the context-dependent rendering: "light" is *leicht* for
things, *hell* for places). Adverb line: ``english | deutsch | kind [tenses]``.
"""

from __future__ import annotations

from mtseq.corpora.synth.lexicon import Adj, Adv, Name, Prep, expand_tags

ADJECTIVES = """
big | groß | size | live thing place
small | klein | size | live thing place
old | alt | age | live thing place
red | rot | colour | obj surf veh fix
little | klein | size | live obj
happy | glücklich | state | live
new | neu | age | obj surf veh place
blue | blau | colour | obj surf veh fix
young | jung | age | live
tired | müde | state | live
green | grün | colour | obj surf veh fix
black | schwarz | colour | ani obj surf veh fix
beautiful | schön | opinion | live obj place
white | weiß | colour | ani obj surf veh fix
hungry | hungrig | state | live
yellow | gelb | colour | obj surf veh fix
brown | braun | colour | ani obj surf fix
heavy | schwer | quality | obj surf
angry | wütend | state | live
sad | traurig | state | hum
grey | grau | colour | ani obj surf veh fix
clean | sauber | quality | obj surf veh place
dirty | schmutzig | quality | obj surf veh place ani
empty | leer | quality | cont place
full | voll | quality | cont
tall | groß | size | hum tree
long | lang | size | rope stick street letter story
short | kurz | size | rope stick street letter story
tiny | winzig | size | obj ani
huge | riesig | size | ani surf place veh
light | leicht ; place=hell | quality | obj place
dark | dunkel/dunkl | quality | place
warm | warm | quality | food drink place
cold | kalt | quality | food drink place
hot | heiß | quality | food drink
fresh | frisch | quality | food drink
sweet | süß | quality | food ani
wet | nass | quality | ani obj
broken | kaputt | quality | obj veh fix surf
expensive | teuer/teur | opinion | obj veh
cheap | billig | opinion | obj veh
famous | berühmt | opinion | hum place
strange | seltsam | opinion | live obj
quiet | ruhig | quality | live place
loud | laut | quality | live
brave | mutig | state | live
clever | klug | state | live
lazy | faul | state | live
rich | reich | state | hum
poor | arm | state | hum
sick | krank | state | live
friendly | freundlich | state | live
proud | stolz | state | live
busy | beschäftigt | state | hum
wild | wild | state | ani
strong | stark | state | live
fast | schnell | quality | ani veh
slow | langsam | quality | ani veh
"""

ADVERBS = """
quickly | schnell | manner
slowly | langsam | manner
quietly | leise | manner
loudly | laut | manner
happily | fröhlich | manner
carefully | vorsichtig | manner
well | gut | manner
again | wieder | manner
often | oft | freq
always | immer | freq
never | nie | freq
sometimes | manchmal | freq
usually | meistens | freq
yesterday | gestern | time past
then | dann | time past present future
today | heute | time past present future
suddenly | plötzlich | time past
later | später | time past future
tomorrow | morgen | time future
now | jetzt | time present
soon | bald | time future
finally | schließlich | time past future
"""

NAMES = "Anna:f Tom:m Lisa:f Max:m Maria:f Paul:m Emma:f Peter:m Laura:f Ben:m Sarah:f David:m Julia:f Felix:m"

# (name, English words before the object, German words, German case, English head index)
PREPOSITIONS: dict[str, Prep] = {
    p.name: p
    for p in [
        Prep("on", (("IN", "on"),), ("auf",), "dat"),
        Prep("under", (("IN", "under"),), ("unter",), "dat"),
        Prep("behind", (("IN", "behind"),), ("hinter",), "dat"),
        Prep("next to", (("JJ", "next"), ("TO", "to")), ("neben",), "dat"),
        Prep("in front of", (("IN", "in"), ("NN", "front"), ("IN", "of")), ("vor",), "dat", head=1),
        Prep("in", (("IN", "in"),), ("in",), "dat"),
        Prep("left of", (("TO", "to"), ("DT", "the"), ("NN", "left"), ("IN", "of")), ("links", "von"), "dat", head=2),
        Prep(
            "right of", (("TO", "to"), ("DT", "the"), ("NN", "right"), ("IN", "of")), ("rechts", "von"), "dat", head=2
        ),
        Prep("onto", (("IN", "onto"),), ("auf",), "acc"),
        Prep("into", (("IN", "into"),), ("in",), "acc"),
        Prep("under+dir", (("IN", "under"),), ("unter",), "acc"),
        Prep("behind+dir", (("IN", "behind"),), ("hinter",), "acc"),
        Prep("next to+dir", (("JJ", "next"), ("TO", "to")), ("neben",), "acc"),
        Prep("with", (("IN", "with"),), ("mit",), "dat"),
        Prep("without", (("IN", "without"),), ("ohne",), "acc"),
        Prep("from", (("IN", "from"),), ("aus",), "dat"),
        Prep("for", (("IN", "for"),), ("für",), "acc"),
        Prep("to", (("TO", "to"),), ("zu",), "dat"),
    ]
}

# spatial relations for locations and for scenes: location prep, direction prep, inverse
SPATIAL = {
    "on": ("on", "onto", "under"),
    "under": ("under", "under+dir", "on"),
    "behind": ("behind", "behind+dir", "in front of"),
    "in front of": ("in front of", None, "behind"),
    "next to": ("next to", "next to+dir", "next to"),
    "in": ("in", "into", None),
    "left of": ("left of", None, "right of"),
    "right of": ("right of", None, "left of"),
}


def put_preposition(rel: str) -> Prep:
    """ "put the cup on the table": English says the location word, German takes the accusative."""
    loc, direction = PREPOSITIONS[SPATIAL[rel][0]], PREPOSITIONS[SPATIAL[rel][1] or SPATIAL[rel][0]]
    return Prep(loc.name + "+put", loc.en, direction.de, "acc", loc.head)


# English subordinator -> German (past, non-past); tense families the clause allows
SUBORDINATORS = {
    "because": ("weil", "weil"),
    "when": ("als", "wenn"),
    "while": ("während", "während"),
    "before": ("bevor", "bevor"),
    "although": ("obwohl", "obwohl"),
    "if": (None, "wenn"),
    "until": ("bis", "bis"),
}


def load_adjectives() -> list[Adj]:
    out = []
    for line in ADJECTIVES.strip().splitlines():
        en, de_spec, cat, tags = (p.strip() for p in line.split("|"))
        main, *alt_specs = (s.strip() for s in de_spec.split(";"))
        pred, _, stem = main.partition("/")
        alts = []
        for spec in alt_specs:
            tag, _, forms = spec.partition("=")
            a_pred, _, a_stem = forms.partition("/")
            alts.append((tag, a_pred, a_stem or a_pred))
        out.append(Adj(en, pred, stem or pred, cat, expand_tags(tags), tuple(alts)))
    return out


def load_adverbs() -> list[Adv]:
    out = []
    for line in ADVERBS.strip().splitlines():
        en, de, kind = (p.strip() for p in line.split("|"))
        kind, *tenses = kind.split()
        out.append(Adv(en, de, kind, frozenset(tenses)))
    return out


def load_names() -> list[Name]:
    return [Name(n, g) for n, g in (item.split(":") for item in NAMES.split())]
