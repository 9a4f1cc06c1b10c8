"""The verb table: one sense a line, with its frame and its German rendering.

Line format: ``english | deutsch [; slot:tag=alternative] | frame | subject tags | extras``.

* English: ``base [past [participle]] [ing=...] [+particle]`` (regular forms derived).
* German: ``inf [3sg-present past participle] [s|h] [+particle]``; one form = regular weak verb.
  ``; obj:up=stellen`` picks another verb when the object (or ``subj:``) has the tag:
  the context-dependent translations (put: legen/stellen/setzen; eat: essen/fressen).
* Frames: ``intr``; ``trans obj=TAGS [case=dat]``; ``ditr obj=TAGS dat=TAGS``;
  ``pobj en>de obj=TAGS`` (English prepositional object, German ``acc``/``dat``
  object or ``prep+case`` PP); ``clause`` (that-clause); ``loc``/``dir``
  (locative/directional PP); ``put obj=TAGS`` (object + directional PP); ``cop``.
* Extras: ``stative`` (no progressive), ``cue=river``, ``with=n1,n2`` (instrument
  PPs), ``dobj``/``todat`` (only one dative construction in English).

Order within a frame is the Zipf rank.
"""

from __future__ import annotations

from mtseq.corpora.synth.lexicon import Frame, VerbSense, expand_tags, parse_de_verb, parse_en_verb

VERBS = """
sleep slept slept | schlafen schläft schlief geschlafen | intr | live
run ran run | laufen läuft lief gelaufen s | intr | live
wake woke woken +up | wachen s +auf | intr | live
laugh | lachen | intr | hum
play | spielen | intr | live
get got got +up | stehen steht stand gestanden s +auf | intr | live
cry | weinen | intr | hum
wait | warten | intr | live
run ran run +away | laufen läuft lief gelaufen s +weg | intr | live
walk | gehen geht ging gegangen s | intr | live
sing sang sung | singen singt sang gesungen | intr | hum
jump | springen springt sprang gesprungen s | intr | live
come came come +back | kommen kommt kam gekommen s +zurück | intr | live
eat ate eaten | essen isst aß gegessen ; subj:ani=fressen frisst fraß gefressen | intr | live
swim swam swum | schwimmen schwimmt schwamm geschwommen s | intr | live | cue=river
work | arbeiten | intr | hum
dance | tanzen | intr | hum
smile | lächeln | intr | hum
bark | bellen | intr | canine
fall fell fallen | fallen fällt fiel gefallen s | intr | live obj
fly flew flown | fliegen fliegt flog geflogen s | intr | wing
read read read | lesen liest las gelesen | intr | hum
cook | kochen | intr | hum
shout | schreien schreit schrie geschrien | intr | hum
win won won | gewinnen gewinnt gewann gewonnen | intr | hum
disappear | verschwinden verschwindet verschwand verschwunden s | intr | live obj
arrive | kommen kommt kam gekommen s +an | intr | live veh
listen | hören +zu | intr | hum
fish | angeln | intr | hum | cue=river
leave left left | gehen geht ging gegangen s +weg | intr | live
go went gone +out | gehen geht ging gegangen s +aus | intr | hum
give gave given +up | geben gibt gab gegeben +auf | intr | hum
show showed shown +up | tauchen s +auf | intr | live
grow grew grown +up | wachsen wächst wuchs gewachsen s +auf | intr | hum

see saw seen | sehen sieht sah gesehen | trans obj=conc | live | stative with=telescope
like | mögen mag mochte gemocht | trans obj=live,food,drink,place,game,instr,music | hum | stative
find found found | finden findet fand gefunden | trans obj=live,obj,veh | live | stative
pick picked picked +up | heben hebt hob gehoben +auf | trans obj=obj,small,food | hum
chase | jagen | trans obj=live,veh | live
eat ate eaten | essen isst aß gegessen ; subj:ani=fressen frisst fraß gefressen | trans obj=food | live | with=spoon
buy bought bought | kaufen | trans obj=obj,food,drink,veh,ani | hum
throw threw thrown +away | werfen wirft warf geworfen +weg | trans obj=obj,food | hum
help | helfen hilft half geholfen | trans obj=live case=dat | live
love | lieben | trans obj=live,food,music,place | hum | stative
drink drank drunk | trinken trinkt trank getrunken | trans obj=drink | live
read read read | lesen liest las gelesen | trans obj=read | hum
hold held held | halten hält hielt gehalten | trans obj=obj,ani,food | hum
turn turned turned +on | schalten +ein | trans obj=switch | hum
carry carried | tragen trägt trug getragen | trans obj=obj,small,food | hum
write wrote written | schreiben schreibt schrieb geschrieben | trans obj=write | hum | with=pen
open | öffnen | trans obj=open | hum | with=key,knife
know knew known | kennen kennt kannte gekannt | trans obj=hum,place,song,story,joke | hum | stative
play | spielen | trans obj=game,instr | hum
hear heard heard | hören | trans obj=live,hear | live | stative
catch caught caught | fangen fängt fing gefangen | trans obj=catch | live | with=net
follow | folgen s | trans obj=live,veh case=dat | live
lose lost lost | verlieren verliert verlor verloren | trans obj=obj,money | hum | stative
visit | besuchen | trans obj=hum,place | hum
watch | beobachten | trans obj=live,veh | hum | with=telescope
feed fed fed | füttern | trans obj=ani | hum
call | rufen ruft rief gerufen | trans obj=live | hum
meet met met | treffen trifft traf getroffen | trans obj=hum | hum
sell sold sold | verkaufen | trans obj=obj,food,veh,ani | hum
wash | waschen wäscht wusch gewaschen | trans obj=live,obj,veh | hum
close | schließen schließt schloss geschlossen | trans obj=open | hum
kick | treten tritt trat getreten | trans obj=kick | hum
hit hit hit | schlagen schlägt schlug geschlagen | trans obj=obj,ani | hum | with=stick,hammer
bite bit bitten | beißen beißt biss gebissen | trans obj=live,food | ani
need | brauchen | trans obj=obj,food,drink,money,veh | hum | stative
build built built | bauen | trans obj=build | hum | with=hammer
paint | malen ; obj:paint=streichen streicht strich gestrichen | trans obj=paint,draw,live | hum | with=brush
fix | reparieren | trans obj=fix | hum | with=hammer
steal stole stolen | stehlen stiehlt stahl gestohlen | trans obj=obj,money,veh,food | hum
forget forgot forgotten | vergessen vergisst vergaß vergessen | trans obj=obj,song,story | hum
thank | danken | trans obj=hum case=dat | hum
answer | antworten | trans obj=hum case=dat | hum
trust | vertrauen vertraut vertraute vertraut | trans obj=live case=dat | hum | stative
leave left left | verlassen verlässt verließ verlassen | trans obj=place,hum | live
draw drew drawn | zeichnen zeichnet zeichnete gezeichnet | trans obj=live,obj,veh,place | hum | with=pen
clean | putzen | trans obj=obj,surf,veh,tidy | hum | with=brush
kiss | küssen küsst küsste geküsst | trans obj=hum,ani | hum
hug | umarmen umarmt umarmte umarmt | trans obj=hum,ani | hum
push | schieben schiebt schob geschoben | trans obj=veh,obj,surf | hum | with=stick
pull | ziehen zieht zog gezogen | trans obj=veh,obj,surf | hum | with=rope
break broke broken | zerbrechen zerbricht zerbrach zerbrochen | trans obj=fragile | live | with=hammer,stick
take took taken | nehmen nimmt nahm genommen | trans obj=obj,food | hum
drive drove driven | fahren fährt fuhr gefahren | trans obj=drive | hum
ride rode ridden | reiten reitet ritt geritten ; obj:veh=fahren fährt fuhr gefahren | trans obj=ride | hum
fill | füllen | trans obj=cont | hum
count | zählen | trans obj=live,obj,money | hum
cook | kochen | trans obj=food | hum
turn turned turned +off | schalten +aus | trans obj=switch | hum
bring brought brought +back | bringen bringt brachte gebracht +zurück | trans obj=obj,ani,veh | hum
wake woke woken +up | wecken +auf | trans obj=live | live
write wrote written +down | schreiben schreibt schrieb geschrieben +auf | trans obj=story,song,idea | hum
clean cleaned cleaned +up | räumen +auf | trans obj=tidy | hum
put put put +on | ziehen zieht zog gezogen +an ; obj:head=setzen +auf | trans obj=wear | hum
invite | laden lädt lud geladen +ein | trans obj=hum | hum

look | sehen sieht sah gesehen +an | pobj at>acc obj=conc | live
look | suchen | pobj for>acc obj=live,obj,veh,money | live
wait | warten | pobj for>auf+acc obj=live,veh | live
listen | hören +zu | pobj to>dat obj=live,music,song,story | live
think thought thought | denken denkt dachte gedacht | pobj about>an+acc obj=live,place,obj,food,idea | hum
talk | sprechen spricht sprach gesprochen | pobj to>mit+dat obj=hum | hum
laugh | lachen | pobj at>über+acc obj=live,joke,story | hum
dream | träumen | pobj about>von+dat obj=live,place,food | live
point | zeigen | pobj at>auf+acc obj=conc | hum
ask | bitten bittet bat gebeten | pobj for>um+acc obj=obj,food,drink,money | hum

give gave given | geben gibt gab gegeben | ditr obj=obj,food,money,ani dat=live | hum
show showed shown | zeigen | ditr obj=obj,ani,veh,picture,story dat=hum | hum
bring brought brought | bringen bringt brachte gebracht | ditr obj=obj,food,drink dat=live | hum
tell told told | erzählen | ditr obj=tell dat=hum | hum
send sent sent | schicken | ditr obj=obj,letter,gift dat=hum | hum
buy bought bought | kaufen | ditr obj=obj,food,ani dat=hum | hum | dobj
throw threw thrown | werfen wirft warf geworfen +zu | ditr obj=ball,stick,food,key dat=live | hum
sell sold sold | verkaufen | ditr obj=obj,veh,ani dat=hum | hum
lend lent lent | leihen leiht lieh geliehen | ditr obj=obj,money,veh dat=hum | hum
offer | bieten bietet bot geboten +an | ditr obj=obj,food,drink,money dat=hum | hum
read read read | lesen liest las gelesen +vor | ditr obj=story,letter,book dat=hum | hum
hand | reichen | ditr obj=obj,food dat=hum | hum
give gave given +back | geben gibt gab gegeben +zurück | ditr obj=obj,money dat=hum | hum | todat

say said said | sagen | clause | hum
know knew known | wissen weiß wusste gewusst | clause | hum | stative
think thought thought | denken denkt dachte gedacht | clause | hum | stative
believe | glauben | clause | hum | stative
hope | hoffen | clause | hum
notice | bemerken | clause | hum
hear heard heard | hören | clause | hum | stative
dream | träumen | clause | hum
forget forgot forgotten | vergessen vergisst vergaß vergessen | clause | hum

live | wohnen ; subj:ani=leben | loc | live
sit sat sat | sitzen sitzt saß gesessen | loc | live
stand stood stood | stehen steht stand gestanden | loc | live
lie lay lain ing=lying | liegen liegt lag gelegen | loc | live
stay | bleiben bleibt blieb geblieben s | loc | live
wait | warten | loc | live
sleep slept slept | schlafen schläft schlief geschlafen | loc | live

go went gone | gehen geht ging gegangen s | dir | live
run ran run | laufen läuft lief gelaufen s | dir | live
walk | gehen geht ging gegangen s | dir | live
come came come | kommen kommt kam gekommen s | dir | live
drive drove driven | fahren fährt fuhr gefahren s | dir | hum
return | kehren s +zurück | dir | live
fly flew flown | fliegen fliegt flog geflogen s | dir | wing
swim swam swum | schwimmen schwimmt schwamm geschwommen s | dir | live | cue=river
jump | springen springt sprang gesprungen s | dir | live
climb | klettern s | dir | live
hurry | eilen s | dir | hum

put put put | legen ; obj:up=stellen ; obj:live=setzen | put obj=obj,small | hum
throw threw thrown | werfen wirft warf geworfen | put obj=obj,food | hum
carry carried | tragen trägt trug getragen | put obj=obj,small | hum
push | schieben schiebt schob geschoben | put obj=obj,surf | hum

be was been | sein ist war gewesen s | cop | conc
become became become | werden wird wurde geworden s | cop | live
look | sehen sieht sah gesehen +aus | cop | live
seem | scheinen scheint schien geschienen | cop | live
"""


def _parse(line: str) -> VerbSense:
    fields = [f.strip() for f in line.split("|")]
    en_spec, de_spec, frame_spec, subj_spec = fields[:4]
    extras = fields[4].split() if len(fields) > 4 else []
    en = parse_en_verb(en_spec)
    de_main, *alt_specs = (s.strip() for s in de_spec.split(";"))
    alts = []
    for spec in alt_specs:
        cond, _, verb = spec.partition("=")
        slot, _, tag = cond.partition(":")
        alts.append((slot, expand_tags(tag), parse_de_verb(verb)))
    kind, *opts = frame_spec.split()
    frame_kw: dict = {"kind": kind}
    for opt in opts:
        if ">" in opt:
            frame_kw["en_prep"], _, de = opt.partition(">")
            prep, _, case = de.rpartition("+")
            frame_kw["de_prep"], frame_kw["de_case"] = prep, case
        else:
            key, _, val = opt.partition("=")
            if key == "case":
                frame_kw["de_case"] = val
            else:
                frame_kw[key] = expand_tags(val)
    opts_x = dict(x.partition("=")[::2] for x in extras)
    return VerbSense(
        en=en,
        de=parse_de_verb(de_main),
        frame=Frame(**frame_kw),
        subj=expand_tags(subj_spec),
        alts=tuple(alts),
        stative="stative" in opts_x or kind == "cop",
        cue=opts_x.get("cue", ""),
        tools=tuple(t for t in opts_x.get("with", "").split(",") if t),
        double_object_only="dobj" in opts_x,
        to_dative_only="todat" in opts_x,
    )


def load_verbs() -> list[VerbSense]:
    return [_parse(ln) for ln in VERBS.strip().splitlines() if ln.strip()]
