"""Many trainings at once, and what is made of them: studies (`learn study`: study.py, the study file
study_spec.py, the report study_report.py with the statistics of analysis.py), sweeps (`learn sweep`:
sweep.py, sweep_spec.py, sweep_trial.py, sweep_report.py), what both share (spec_file.py, the
`[resources]` table cluster_spec.py, local worker processes workers.py) and running them on Ray
(ray_cluster.py on the driver, ray_tasks.py on a worker, run_transfer.py moving runs between them)."""
