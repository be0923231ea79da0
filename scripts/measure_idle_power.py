"""Rule measure_idle_power: the idle power of this job's GPU(s), once per study."""

from powerhungry.logs import log_to
from powerhungry.offline import offline_job

with log_to(snakemake.log[0]):
    offline_job()
    # Imported only now: Hugging Face libraries read the offline switches when imported, and
    # CUDA must not start before the job's GPU is chosen.
    from powerhungry.measure.gpus import measurement_gpu

    with measurement_gpu(snakemake.params.device):
        from powerhungry.files import write_csv
        from powerhungry.measure.devices import resolve_device
        from powerhungry.measure.idle import measure_idle_power

        row = measure_idle_power(
            seconds=snakemake.params.seconds,
            device=resolve_device(snakemake.params.device),
            carbon_intensity=snakemake.params.carbon_intensity,
        )
    write_csv(snakemake.output.table, [row])
    print(row)
