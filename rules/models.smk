rule prepare_model:
    output:
        manifest=f"{CACHE}/models/{{model}}.json",
    log:
        "logs/prepare_model/{model}.log",
    # Downloads need internet, which cluster compute nodes often lack: prepare on the submit host.
    localrule: True
    conda:
        ENV
    params:
        model=model_params,
        model_dir=f"{CACHE}/models/{{model}}",
    script:
        "../scripts/prepare_model.py"
