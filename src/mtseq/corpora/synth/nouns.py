"""The noun table: English, German (plural, gender), semantic tags.

Line format: ``english[/plural] | Deutsch Plural gender | tags``; German
plural ``-`` marks a mass noun. Order matters: within any selection the
earlier nouns are the more frequent (Zipf rank).

Tags: classes (hum ani obj surf veh food drink place fix instr game abs time),
English pronoun gender (male fem it), ``weak=n`` (German n-declension),
``loc=en:de`` / ``dir=en:de`` (place prepositions), ``cue=river`` (signals
that context), ``scene`` (drawable in captions), put class ``flat``/``up``,
``cont`` (container), and verb-specific tags (open read write fragile ...).
"""

from __future__ import annotations

from mtseq.corpora.synth.lexicon import DeNoun, Noun, en_plural, expand_tags

NOUNS = """
man/men | Mann Männer m | hum male
woman/women | Frau Frauen f | hum fem
boy | Junge Jungen m | hum male weak=n
girl | Mädchen Mädchen n | hum fem
farmer | Bauer Bauern m | hum male weak=n
teacher | Lehrer Lehrer m | hum rel male
child/children | Kind Kinder n | hum rel nopro
doctor | Arzt Ärzte m | hum rel male
mother | Mutter Mütter f | hum rel fem
father | Vater Väter m | hum rel male
fisherman/fishermen | Fischer Fischer m | hum male cue=river
king | König Könige m | hum male
queen | Königin Königinnen f | hum fem
friend | Freund Freunde m | hum rel male
baker | Bäcker Bäcker m | hum male
student | Student Studenten m | hum male weak=en
neighbour | Nachbar Nachbarn m | hum rel male weak=n
sister | Schwester Schwestern f | hum rel fem
brother | Bruder Brüder m | hum rel male
nurse | Krankenschwester Krankenschwestern f | hum fem
baby | Baby Babys n | hum rel it
grandmother | Großmutter Großmütter f | hum rel fem
grandfather | Großvater Großväter m | hum rel male
policeman/policemen | Polizist Polizisten m | hum male weak=en catch
thief/thieves | Dieb Diebe m | hum male catch
soldier | Soldat Soldaten m | hum male weak=en
waiter | Kellner Kellner m | hum male
cook | Koch Köche m | hum male
lady/ladies | Dame Damen f | hum fem
prince | Prinz Prinzen m | hum male weak=en
princess | Prinzessin Prinzessinnen f | hum fem
driver | Fahrer Fahrer m | hum male
sailor | Matrose Matrosen m | hum male weak=n cue=river

dog | Hund Hunde m | ani it scene canine
cat | Katze Katzen f | ani it scene small
horse | Pferd Pferde n | ani it ride
bird | Vogel Vögel m | ani it scene wing small catch
mouse/mice | Maus Mäuse f | ani it scene small catch
fish/fish | Fisch Fische m | ani it cue=river catch small
duck | Ente Enten f | ani it wing cue=river
cow | Kuh Kühe f | ani it
sheep/sheep | Schaf Schafe n | ani it
pig | Schwein Schweine n | ani it
rabbit | Kaninchen Kaninchen n | ani it scene small catch
fox/foxes | Fuchs Füchse m | ani it canine
bear | Bär Bären m | ani it weak=en
lion | Löwe Löwen m | ani it weak=n
monkey | Affe Affen m | ani it weak=n
goat | Ziege Ziegen f | ani it
chicken | Huhn Hühner n | ani it
wolf/wolves | Wolf Wölfe m | ani it canine
frog | Frosch Frösche m | ani it cue=river catch small
owl | Eule Eulen f | ani it wing
donkey | Esel Esel m | ani it ride
elephant | Elefant Elefanten m | ani it weak=en ride
snake | Schlange Schlangen f | ani it
tiger | Tiger Tiger m | ani it
squirrel | Eichhörnchen Eichhörnchen n | ani it small

ball | Ball Bälle m | obj flat scene catch kick
book | Buch Bücher n | obj flat scene read open
box/boxes | Kiste Kisten f | obj up cont surf scene open
letter | Brief Briefe m | obj flat read write open
key | Schlüssel Schlüssel m | obj flat tool
bottle | Flasche Flaschen f | obj up scene fragile open
cup | Tasse Tassen f | obj up cont scene fragile
hat | Hut Hüte m | obj flat scene wear head
bag | Tasche Taschen f | obj up cont scene open
glass/glasses | Glas Gläser n | obj up scene fragile
coin | Münze Münzen f | obj flat cue=money
picture | Bild Bilder n | obj flat draw
phone | Telefon Telefone n | obj flat switch fix
basket | Korb Körbe m | obj up cont scene
lamp | Lampe Lampen f | obj up scene fragile switch fix
newspaper | Zeitung Zeitungen f | obj flat read
pen | Stift Stifte m | obj flat
plate | Teller Teller m | obj up scene fragile
vase | Vase Vasen f | obj up scene fragile
candle | Kerze Kerzen f | obj up scene
umbrella | Regenschirm Regenschirme m | obj flat
map | Karte Karten f | obj flat read
blanket | Decke Decken f | obj flat
gift | Geschenk Geschenke n | obj flat
toy | Spielzeug Spielzeuge n | obj flat scene
doll | Puppe Puppen f | obj flat scene
clock | Uhr Uhren f | obj up scene fix
shoe | Schuh Schuhe m | obj up scene wear
coat | Mantel Mäntel m | obj flat wear
bucket | Eimer Eimer m | obj up cont scene
pot | Topf Töpfe m | obj up cont
radio | Radio Radios n | obj up switch fix
computer | Computer Computer m | obj up switch fix
ring | Ring Ringe m | obj flat cue=money
stone | Stein Steine m | obj flat scene kick
flower | Blume Blumen f | obj flat scene draw
stick | Stock Stöcke m | obj flat tool
hammer | Hammer Hämmer m | obj flat tool
knife/knives | Messer Messer n | obj flat tool
spoon | Löffel Löffel m | obj flat tool
rope | Seil Seile n | obj flat tool
telescope | Fernrohr Fernrohre n | obj flat tool
net | Netz Netze n | obj flat tool cue=river
brush/brushes | Pinsel Pinsel m | obj flat tool

table | Tisch Tische m | surf scene build
chair | Stuhl Stühle m | surf scene fix
bed | Bett Betten n | surf scene
sofa | Sofa Sofas n | surf scene
shelf/shelves | Regal Regale n | surf
desk | Schreibtisch Schreibtische m | surf tidy
floor | Boden Böden m | surf
door | Tür Türen f | fix open kick paint
window | Fenster Fenster n | fix open fragile paint
wall | Wand Wände f | fix paint
tree | Baum Bäume m | fix scene climb
fence | Zaun Zäune m | fix paint climb

car | Auto Autos n | veh scene drive fix cont
bus/buses | Bus Busse m | veh drive
train | Zug Züge m | veh
boat | Boot Boote n | veh scene cue=river build
bicycle | Fahrrad Fahrräder n | veh scene ride fix
ship | Schiff Schiffe n | veh cue=river build
truck | Lastwagen Lastwagen m | veh drive

apple | Apfel Äpfel m | food obj flat scene
bread | Brot Brote n | food obj flat
cake | Kuchen Kuchen m | food obj up
egg | Ei Eier n | food obj flat scene fragile
banana | Banane Bananen f | food obj flat scene
cheese | Käse - m | food mass
soup | Suppe - f | food mass
meat | Fleisch - n | food mass
carrot | Karotte Karotten f | food obj flat
sandwich/sandwiches | Sandwich Sandwiches n | food obj flat
cookie | Keks Kekse m | food obj flat
milk | Milch - f | drink mass
water | Wasser - n | drink mass
coffee | Kaffee - m | drink mass
tea | Tee - m | drink mass
juice | Saft - m | drink mass

house | Haus Häuser n | place loc=in:in dir=to:zu paint build
garden | Garten Gärten m | place loc=in:in dir=to:in
park | Park Parks m | place loc=in:in dir=to:in
school | Schule Schulen f | place loc=at:in dir=to:zu
village | Dorf Dörfer n | place loc=in:in dir=to:in
river | Fluss Flüsse m | place loc=by:an dir=to:an cue=river water
kitchen | Küche Küchen f | place loc=in:in dir=to:in tidy
station | Bahnhof Bahnhöfe m | place loc=at:an dir=to:zu
forest | Wald Wälder m | place loc=in:in dir=to:in
market | Markt Märkte m | place loc=at:auf dir=to:auf
town | Stadt Städte f | place loc=in:in dir=to:in
lake | See Seen m | place loc=by:an dir=to:an cue=river water
field | Feld Felder n | place loc=in:auf dir=to:auf
barn | Scheune Scheunen f | place loc=in:in dir=to:in paint build
bank | Bank Banken f | place loc=at:in dir=to:zu nopro cue=money
church | Kirche Kirchen f | place loc=in:in dir=to:zu
street | Straße Straßen f | place loc=on:auf dir=to:auf
shop | Laden Läden m | place loc=in:in dir=to:zu
room | Zimmer Zimmer n | place loc=in:in dir=to:in tidy paint
hospital | Krankenhaus Krankenhäuser n | place loc=in:in dir=to:in
bridge | Brücke Brücken f | place loc=on:auf dir=to:zu water build
hill | Hügel Hügel m | place loc=on:auf dir=to:auf
beach/beaches | Strand Strände m | place loc=on:an dir=to:an water
library/libraries | Bibliothek Bibliotheken f | place loc=in:in dir=to:in
office | Büro Büros n | place loc=in:in dir=to:in tidy
castle | Schloss Schlösser n | place loc=in:in dir=to:zu build
mountain | Berg Berge m | place loc=on:auf dir=to:auf
farm | Bauernhof Bauernhöfe m | place loc=on:auf dir=to:auf
zoo | Zoo Zoos m | place loc=at:in dir=to:in

piano | Klavier Klaviere n | instr
guitar | Gitarre Gitarren f | instr
violin | Geige Geigen f | instr
drum | Trommel Trommeln f | instr
football | Fußball - m | game mass
chess | Schach - n | game mass
tennis | Tennis - n | game mass

song | Lied Lieder n | abs write hear
story/stories | Geschichte Geschichten f | abs read write tell hear
joke | Witz Witze m | abs tell hear
idea | Idee Ideen f | abs
question | Frage Fragen f | abs
money | Geld - n | abs mass cue=money
music | Musik - f | abs mass hear
noise | Lärm - m | abs mass hear

morning | Morgen Morgen m | time loc=in:an
evening | Abend Abende m | time loc=in:an
night | Nacht Nächte f | time bare loc=at:in
winter | Winter Winter m | time bare loc=in:in
summer | Sommer Sommer m | time bare loc=in:in
Sunday | Sonntag Sonntage m | time bare loc=on:an
Monday | Montag Montage m | time bare loc=on:an
"""

# "bank" by a river is "Ufer" (neuter): the sentence's river cues choose it
BANK_RIVER = DeNoun("Ufer", "Ufer", "n", loc="an", dir="an")


def _parse(line: str) -> Noun:
    en_part, de_part, tag_part = (p.strip() for p in line.split("|"))
    en, _, en_pl = en_part.partition("/")
    de_sg, de_pl, gender = de_part.split()
    tags: set[str] = set()
    opts: dict[str, str] = {}
    for tok in tag_part.split():
        key, eq, val = tok.partition("=")
        if eq:
            opts[key] = val
        else:
            tags.add(key)
    en_loc, _, de_loc = opts.get("loc", ":").partition(":")
    en_dir, _, de_dir = opts.get("dir", "to:").partition(":")
    if de_pl == "-":
        de_pl = ""
        tags.add("mass")
    tags.add(en)  # verbs may select single nouns ("throw ... obj=ball,stick")
    if "cue" in opts:
        tags.add("cue_" + opts["cue"])
    en_gender = "m" if "male" in tags else "f" if "fem" in tags else "n" if "it" in tags else ""
    if not en_gender and "hum" not in tags and "nopro" not in tags:
        en_gender = "n"
    de = DeNoun(de_sg, de_pl, gender, weak=opts.get("weak", ""), loc=de_loc, dir=de_dir)
    senses = (("river", BANK_RIVER),) if en == "bank" else ()
    return Noun(
        en=en,
        en_pl=en_pl or (en if "mass" in tags else en_plural(en)),
        de=de,
        tags=expand_tags(" ".join(sorted(tags))),
        en_gender=en_gender,
        loc=en_loc,
        dir=en_dir or "to",
        senses=senses,
        cue=opts.get("cue", ""),
    )


def load_nouns() -> list[Noun]:
    return [_parse(ln) for ln in NOUNS.strip().splitlines() if ln.strip()]
