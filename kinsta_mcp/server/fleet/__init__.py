"""Fleet operations: one catalog operation run across many sites or environments in one call.

One mechanism (`run_batch`), with presets on top:
- schema.py   the tool's definition, and which operations a batch can run
- targets.py  which sites/environments a selection means (site list, kind, name, ids, plugins)
- presets.py  common one-liners as ready-made steps (clear every cache, back up live, update a plugin)
- plan.py     the validated plan: every (operation, target, arguments) the batch will send
- run.py      sending it within Kinsta's limits, and following its operations in one polling loop
- report.py   what the human confirms, and the result table within the result budget
- tool.py     the call: plan -> preview or guard -> audit -> run -> report
"""
