rule sample_dataset:
    input:
        dataset_source_files,
    output:
        samples="results/samples/{task}/{dataset}.parquet",
        checksum="results/samples/{task}/{dataset}.parquet.sha256",
        # Where the samples came from: the hub commit measurement rows record, read offline.
        record="results/samples/{task}/{dataset}.json",
    log:
        "logs/sample_dataset/{task}/{dataset}.log",
    # Sampling may read the hub, so it runs on the submit host where there is internet.
    localrule: True
    conda:
        ENV
    params:
        dataset=dataset_params,
    script:
        "../scripts/sample_dataset.py"
