"""The figures, drawn from the summary tables: `registry` lists them all (plain data, what the
workflow plans from), `drawing` draws one from its table files and saves it; one module per
family of figures (`energy_per_task`, `parameters`, `zero_shot`, `lengths`, `comparison`,
`above_idle`, `scenarios`: the deployment scenarios compared) and the pieces they share
(`style`, `messages`, `axes`, `legends`, `uncertainty`). Nothing is imported here, so that
importing the registry does not import matplotlib."""
