# Data: generate (or fetch) -> tokenise -> linearise -> vocab.

import re

TOKENISE = pipeline.tokenise_groups(config)
DATA_RESOURCES = pipeline.data_resources(config)


if config["data"]["source"] == "synth":

    rule synth:
        input:
            params=data_section("data.synth"),
        output:
            pipeline.synth_outputs(config),
        log:
            f"{DATA_LOGS}/synth.log",
        benchmark:
            f"{DATA_LOGS}/synth.bench.tsv"
        conda:
            CONDA_ENV
        resources:
            **DATA_RESOURCES,
        params:
            root=lambda wc: ROOT,  # the data root the command takes (a directory, not a file's prefix)
        shell:
            "mtseq corpus synth --config {input.params} --out {params.root} > {log} 2>&1"


rule tokenise_parallel:
    input:
        en=f"{ROOT}/raw/{{part}}.{{split}}.en",
        de=f"{ROOT}/raw/{{part}}.{{split}}.de",
    output:
        en=f"{ROOT}/tok/{{part}}.{{split}}.en",
        de=f"{ROOT}/tok/{{part}}.{{split}}.de",
    log:
        f"{DATA_LOGS}/tokenise.{{part}}.{{split}}.log",
    wildcard_constraints:
        part=TOKENISE["pair"],
    conda:
        CONDA_ENV
    resources:
        **DATA_RESOURCES,
    shell:
        "mtseq tokenise --inputs {input.en} {input.de} --langs en de --outputs {output.en} {output.de} > {log} 2>&1"


rule tokenise_mono:
    input:
        f"{ROOT}/raw/{{part}}.{{split}}.{{lang}}",
    output:
        f"{ROOT}/tok/{{part}}.{{split}}.{{lang}}",
    log:
        f"{DATA_LOGS}/tokenise.{{part}}.{{split}}.{{lang}}.log",
    wildcard_constraints:
        part=TOKENISE["single"],
        lang="en|de",
    conda:
        CONDA_ENV
    resources:
        **DATA_RESOURCES,
    shell:
        "mtseq tokenise --inputs {input} --langs {wildcards.lang} --outputs {output} > {log} 2>&1"


rule linearise:
    input:
        lambda wc: pipeline.layout(config).treebank_source(wc.split, wc.bank),
    output:
        tokens=f"{ROOT}/trees/{{bank}}.{{split}}.en",
        lin=f"{ROOT}/trees/{{bank}}.{{split}}.lin",
        clean=f"{ROOT}/trees/{{bank}}.{{split}}.mrg",
        stats=f"{ROOT}/trees/{{bank}}.{{split}}.stats.json",
    log:
        f"{DATA_LOGS}/linearise.{{bank}}.{{split}}.log",
    wildcard_constraints:
        bank="parse|silver",
        split="train|valid|test",
    conda:
        CONDA_ENV
    resources:
        **DATA_RESOURCES,
    shell:
        "mtseq linearise --trees {input} --tokens {output.tokens} --lin {output.lin}"
        " --clean {output.clean} --stats {output.stats} > {log} 2>&1"


rule vocab:
    input:
        files=lambda wc: pipeline.vocab_inputs(config, wc.name),
        params=data_section("data.vocab"),
    output:
        vocab=f"{ROOT}/vocab/{{name}}.txt",
        codes=f"{ROOT}/vocab/{{name}}.bpe",
    log:
        f"{DATA_LOGS}/vocab.{{name}}.log",
    wildcard_constraints:
        name="en|de|lin",
    conda:
        CONDA_ENV
    resources:
        **DATA_RESOURCES,
    params:
        words=lambda wc: pipeline.vocab_flags(wc.name),
    shell:
        "mtseq vocab --config {input.params} --inputs {input.files} --out {output.vocab} --codes {output.codes}"
        " {params.words} > {log} 2>&1"


if config["data"]["source"] == "fetch":
    FETCH_KEYS = "|".join(re.escape(k) for k in config["fetch"]) or "(?!)"

    rule fetch:
        input:
            params=lambda wc: data_section(("fetch", wc.name)),  # a key may hold dots: the path as a tuple
        output:
            f"{ROOT}/download/{{name}}",
        log:
            f"{DATA_LOGS}/fetch.{{name}}.log",
        wildcard_constraints:
            name=FETCH_KEYS,
        retries: 2
        conda:
            CONDA_ENV
        resources:
            **DATA_RESOURCES,
        shell:
            "mtseq fetch --config {input.params} --name {wildcards.name:q} --out {output} > {log} 2>&1"

    rule prepare_translate:
        input:
            files=lambda wc: pipeline.translate_sources(config, wc.split)["downloads"],
            params=prepare_section("data.prepare.translate.drop_empty"),
        output:
            en=f"{ROOT}/raw/translate.{{split}}.en",
            de=f"{ROOT}/raw/translate.{{split}}.de",
        log:
            f"{DATA_LOGS}/prepare.translate.{{split}}.log",
        wildcard_constraints:
            split=r"(train|valid|test)(\.(en-de|de-en))?",
        conda:
            CONDA_ENV
        resources:
            **DATA_RESOURCES,
        params:
            root=lambda wc: ROOT,  # the data root the command takes (a directory, not a file's prefix)
            en=lambda wc: pipeline.translate_sources(config, wc.split)["en"]["read"],
            de=lambda wc: pipeline.translate_sources(config, wc.split)["de"]["read"],
        shell:
            "mtseq prepare parallel --config {input.params} --en {params.en:q} --de {params.de:q}"
            " --split {wildcards.split} --out-root {params.root} > {log} 2>&1"

    rule prepare_trees:
        input:
            source=lambda wc: pipeline.trees_downloads(config),  # none for a WSJ copy you supply (wsj_root)
            params=prepare_section("data.prepare.trees"),
        output:
            [f"{ROOT}/raw/trees.{split}.mrg" for split in ("train", "valid", "test")],
        log:
            f"{DATA_LOGS}/prepare.trees.log",
        conda:
            CONDA_ENV
        resources:
            **DATA_RESOURCES,
        params:
            root=lambda wc: ROOT,  # the data root the command takes (a directory, not a file's prefix)
            corpus=pipeline.trees_corpus(config),
        shell:
            "mtseq prepare {params.corpus} {input.source} --config {input.params} --out-root {params.root} > {log} 2>&1"

    rule prepare_caption:
        input:
            lambda wc: [f for v in pipeline.caption_sources(config, wc.split).values() for f in v["downloads"]],
        output:
            en=f"{ROOT}/raw/caption.{{split}}.en",
            img=f"{ROOT}/raw/caption.{{split}}.img",
            npy=f"{ROOT}/raw/caption.{{split}}.npy",
        log:
            f"{DATA_LOGS}/prepare.caption.{{split}}.log",
        wildcard_constraints:
            split="train|valid|test",
        conda:
            CONDA_ENV
        resources:
            **DATA_RESOURCES,
        params:
            root=lambda wc: ROOT,  # the data root the command takes (a directory, not a file's prefix)
            ann=lambda wc: pipeline.caption_sources(config, wc.split)["annotations"]["read"],
            features=lambda wc: pipeline.caption_sources(config, wc.split)["features"]["read"],
            ids=lambda wc: pipeline.caption_sources(config, wc.split)["ids"]["read"],
        shell:
            "mtseq prepare coco --annotations {params.ann:q} --features {params.features:q} --ids {params.ids:q}"
            " --split {wildcards.split} --out-root {params.root} > {log} 2>&1"

    rule prepare_mono:
        input:
            files=lambda wc: pipeline.mono_sources(config, wc.lang)["downloads"],
            params=prepare_section("data.prepare.mono"),
        output:
            [f"{ROOT}/raw/mono.{split}.{{lang}}{doc}" for split in ("train", "valid", "test") for doc in ("", ".doc")],
        log:
            f"{DATA_LOGS}/prepare.mono.{{lang}}.log",
        wildcard_constraints:
            lang="en|de",
        conda:
            CONDA_ENV
        resources:
            **DATA_RESOURCES,
        params:
            root=lambda wc: ROOT,  # the data root the command takes (a directory, not a file's prefix)
            read=lambda wc: pipeline.mono_sources(config, wc.lang)["read"],
        shell:
            "mtseq prepare mono --config {input.params} --inputs {params.read:q} --lang {wildcards.lang}"
            " --out-root {params.root} > {log} 2>&1"
