# The high-confidence (silver) parse corpus: pool -> two parsers per shard -> agreement -> WSJ-length resample.
# The resampled trees (raw/silver.train.mrg) go through the linearise rule like any treebank (bank "silver").

if "silver" in config["data"]["parts"]:
    SILVER = config["data"]["silver"]
    SILVER_LAY = pipeline.layout(config)
    SILVER_PARSERS = pipeline.silver_parsers(config)
    SILVER_SHARDS = pipeline.silver_shards(config)

    rule silver_pool:
        input:
            files=pipeline.silver_pool_inputs(config),
            params=data_section("data.silver.pool"),
        output:
            shards=[str(SILVER_LAY.silver_pool(k)) for k in SILVER_SHARDS],
            stats=str(SILVER_LAY.silver_pool_stats()),
        log:
            f"{DATA_LOGS}/silver.pool.log",
        conda:
            CONDA_ENV
        resources:
            **DATA_RESOURCES,
        shell:
            "mtseq silver pool --config {input.params} --inputs {input.files} --out {output.shards}"
            " --stats {output.stats} > {log} 2>&1"

    rule silver_parse:
        input:
            tokens=str(SILVER_LAY.silver_pool("{shard}")),
            params=data_section("data.silver.parse.parsers", "data.silver.parse.batch_size"),
        output:
            trees=str(SILVER_LAY.silver_parsed("{parser}", "{shard}")),
            stats=str(SILVER_LAY.silver_parse_stats("{parser}", "{shard}")),
        log:
            f"{DATA_LOGS}/silver.parse.{{parser}}.{{shard}}.log",
        wildcard_constraints:
            parser="|".join(map(re.escape, SILVER_PARSERS)),
            shard=r"\d+",
        conda:
            CONDA_ENV
        resources:
            **pipeline.data_resources(config, runtime=SILVER["parse"]["runtime"]),
            gpu=1 if SILVER["parse"]["gpu"] else 0,
        shell:
            "mtseq silver parse --config {input.params} --parser {wildcards.parser} --tokens {input.tokens}"
            " --out {output.trees} --stats {output.stats} --no-progress > {log} 2>&1"

    rule silver_agree:
        input:
            a=str(SILVER_LAY.silver_parsed(SILVER_PARSERS[0], "{shard}")),
            b=str(SILVER_LAY.silver_parsed(SILVER_PARSERS[1], "{shard}")),
            params=data_section("data.silver.agree"),
        output:
            trees=str(SILVER_LAY.silver_agreed("{shard}")),
            stats=str(SILVER_LAY.silver_agree_stats("{shard}")),
        log:
            f"{DATA_LOGS}/silver.agree.{{shard}}.log",
        wildcard_constraints:
            shard=r"\d+",
        conda:
            CONDA_ENV
        resources:
            **DATA_RESOURCES,
        shell:
            "mtseq silver agree --config {input.params} --a {input.a} --b {input.b} --out {output.trees}"
            " --stats {output.stats} > {log} 2>&1"

    rule silver_resample:
        input:
            trees=[str(SILVER_LAY.silver_agreed(k)) for k in SILVER_SHARDS],
            reference=str(SILVER_LAY.raw_trees("train")),
            params=data_section("data.silver.resample"),
        output:
            trees=str(SILVER_LAY.treebank_source("train", "silver")),
            stats=str(SILVER_LAY.silver_resample_stats()),
        log:
            f"{DATA_LOGS}/silver.resample.log",
        conda:
            CONDA_ENV
        resources:
            **DATA_RESOURCES,
        shell:
            "mtseq silver resample --config {input.params} --trees {input.trees} --reference {input.reference}"
            " --out {output.trees} --stats {output.stats} > {log} 2>&1"
