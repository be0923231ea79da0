rule measure_inference:
    input:
        samples=rules.sample_dataset.output.samples,
        checksum=rules.sample_dataset.output.checksum,
        sample_record=rules.sample_dataset.output.record,
        model=rules.prepare_model.output.manifest,
    output:
        measurements="results/measurements/{task}/{model}/{dataset}{scenario}.csv",
        codecarbon="results/measurements/{task}/{model}/{dataset}{scenario}.codecarbon.csv",
        predictions="results/predictions/{task}/{model}/{dataset}{scenario}.parquet",
    log:
        "logs/measure_inference/{task}/{model}/{dataset}{scenario}.log",
    # Every cell one job holds; the others are measured in shards and merged (below).
    wildcard_constraints:
        task=cells_only(keep=False),
    conda:
        ENV
    # One GPU each (locally, `--resources gpu=N` runs at most N at once; on SLURM, --gpus=1 and
    # its CPUs); time and memory from the cell's estimate (powerhungry.plan), more on a retry.
    resources:
        gpu=1,
        cpus_per_gpu=4,
        runtime=measurement_runtime,
        mem_mb=measurement_mem_mb,
    params:
        model=model_params,
        dataset=dataset_params,
        runner_settings=runner_settings,
        protocol=protocol_params,
    script:
        "../scripts/measure_inference.py"


# A cell too long for one job of plan.max_job_hours: one job per shard (its repetitions over a
# range of the samples, powerhungry.plan.shards), then the cell's files from theirs.
rule measure_shard:
    input:
        samples=rules.sample_dataset.output.samples,
        checksum=rules.sample_dataset.output.checksum,
        sample_record=rules.sample_dataset.output.record,
        model=rules.prepare_model.output.manifest,
    output:
        measurements="results/shards/{task}/{model}/{dataset}{scenario}/{shard}.csv",
        codecarbon="results/shards/{task}/{model}/{dataset}{scenario}/{shard}.codecarbon.csv",
        predictions="results/shards/{task}/{model}/{dataset}{scenario}/{shard}.parquet",
    log:
        "logs/measure_shard/{task}/{model}/{dataset}{scenario}/{shard}.log",
    conda:
        ENV
    resources:
        gpu=1,
        cpus_per_gpu=4,
        runtime=shard_runtime,
        mem_mb=shard_mem_mb,
    params:
        model=model_params,
        dataset=dataset_params,
        runner_settings=runner_settings,
        protocol=protocol_params,
        shard=shard_params,
    script:
        "../scripts/measure_shard.py"


rule merge_shards:
    input:
        measurements=shards_of_cell("measurements"),
        codecarbon=shards_of_cell("codecarbon"),
        predictions=shards_of_cell("predictions"),
    output:
        measurements=rules.measure_inference.output.measurements,
        codecarbon=rules.measure_inference.output.codecarbon,
        predictions=rules.measure_inference.output.predictions,
    log:
        "logs/merge_shards/{task}/{model}/{dataset}{scenario}.log",
    wildcard_constraints:
        task=cells_only(keep=True),
    localrule: True
    conda:
        ENV
    script:
        "../scripts/merge_shards.py"
