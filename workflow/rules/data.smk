# Data: generate (or fetch) -> tokenise -> linearise -> vocab.


if config["data"]["source"] == "synth":

    rule synth:
        input:
            params=data_section("data.synth"),
        output:
            pipeline.synth_outputs(config),
        log:
            f"{LOGS}/data/synth.log",
        benchmark:
            f"{LOGS}/data/synth.bench.tsv"
        shell:
            "mtseq corpus synth --config {input.params} --out {ROOT} > {log} 2>&1"


rule tokenise_parallel:
    input:
        en=f"{ROOT}/raw/{{part}}.{{split}}.en",
        de=f"{ROOT}/raw/{{part}}.{{split}}.de",
    output:
        en=f"{ROOT}/tok/{{part}}.{{split}}.en",
        de=f"{ROOT}/tok/{{part}}.{{split}}.de",
    wildcard_constraints:
        part="translate|caption",
    log:
        f"{LOGS}/data/tokenise.{{part}}.{{split}}.log",
    shell:
        "mtseq tokenise --inputs {input.en} {input.de} --langs en de --outputs {output.en} {output.de} > {log} 2>&1"


rule tokenise_mono:
    input:
        f"{ROOT}/raw/mono.{{split}}.{{lang}}",
    output:
        f"{ROOT}/tok/mono.{{split}}.{{lang}}",
    log:
        f"{LOGS}/data/tokenise.mono.{{split}}.{{lang}}.log",
    shell:
        "mtseq tokenise --inputs {input} --langs {wildcards.lang} --outputs {output} > {log} 2>&1"


rule linearise:
    input:
        f"{ROOT}/raw/trees.{{split}}.mrg",
    output:
        tokens=f"{ROOT}/trees/parse.{{split}}.en",
        lin=f"{ROOT}/trees/parse.{{split}}.lin",
        clean=f"{ROOT}/trees/parse.{{split}}.mrg",
        stats=f"{ROOT}/trees/parse.{{split}}.stats.json",
    log:
        f"{LOGS}/data/linearise.{{split}}.log",
    shell:
        "mtseq linearise --trees {input} --tokens {output.tokens} --lin {output.lin}"
        " --clean {output.clean} --stats {output.stats} > {log} 2>&1"


rule vocab:
    input:
        files=lambda wc: pipeline.vocab_inputs(config, wc.name),
        params=data_section("data.vocab"),
    output:
        f"{ROOT}/vocab/{{name}}.txt",
    wildcard_constraints:
        name="en|de|lin",
    params:
        max_size=config["data"]["vocab"]["max_size"],
        min_count=config["data"]["vocab"]["min_count"],
    log:
        f"{LOGS}/data/vocab.{{name}}.log",
    shell:
        "mtseq vocab --inputs {input.files} --out {output} --max-size {params.max_size}"
        " --min-count {params.min_count} > {log} 2>&1"


if config["data"]["source"] == "fetch":

    rule fetch:
        output:
            f"{ROOT}/download/{{name}}",
        params:
            url=lambda wc: config["fetch"][wc.name]["url"],
            sha256=lambda wc: config["fetch"][wc.name]["sha256"],
        log:
            f"{LOGS}/data/fetch.{{name}}.log",
        retries: 2
        shell:
            "mtseq fetch --url {params.url} --sha256 {params.sha256} --out {output} > {log} 2>&1"

    rule prepare_translate:
        input:
            en=lambda wc: pipeline.download(config, "translate", wc.split, "en"),
            de=lambda wc: pipeline.download(config, "translate", wc.split, "de"),
        output:
            en=f"{ROOT}/raw/translate.{{split}}.en",
            de=f"{ROOT}/raw/translate.{{split}}.de",
        log:
            f"{LOGS}/data/prepare.translate.{{split}}.log",
        shell:
            "mtseq prepare parallel --en {input.en} --de {input.de} --split {wildcards.split}"
            " --out-root {ROOT} > {log} 2>&1"

    rule prepare_trees:
        input:
            lambda wc: pipeline.download(config, "trees"),
        output:
            [f"{ROOT}/raw/trees.{split}.mrg" for split in ("train", "valid", "test")],
        params:
            splits=lambda wc: pipeline.ptb_split_args(config),
        log:
            f"{LOGS}/data/prepare.trees.log",
        shell:
            "mtseq prepare ptb-sample --source {input} --out-root {ROOT} {params.splits} > {log} 2>&1"
